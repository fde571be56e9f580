/**
 * The ledger that stays small (migration 025, src/sending/retention.ts): every send has a partition
 * of deliveries of its own; once a send is older than DELIVERY_RETENTION_DAYS its rows are rolled
 * up and the partition dropped, and the report, the progress counts, the console's issue list and
 * the reader's history keep showing what it held. A recent send is left alone.
 */
import { startTestApp, type TestApp } from './helpers/app';
import { createIssue, insertReaders, waitForStatus } from './helpers/delivery';

const N = 70;
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ env: { DELIVERY_RETENTION_DAYS: '30', SEND_BATCH_SIZE: '20', SEND_RECONCILE_INTERVAL_MS: '300' } });
  await insertReaders(t.c.pool, N);
});
afterAll(async () => {
  await t?.close();
});

async function send(slug: string): Promise<{ issueId: number; sendId: number }> {
  const issueId = await createIssue(t, slug);
  expect((await t.fetch(`/api/issues/${issueId}/send`, { method: 'POST', editor: true })).status).toBe(202);
  const done = await waitForStatus(t, issueId, ['completed'], 60_000);
  return { issueId, sendId: done.send_id };
}

const partition = async (sendId: number) =>
  (await t.c.pool.query<{ r: string | null }>('SELECT to_regclass($1) AS r', [`deliveries_s${sendId}`])).rows[0]!.r;
// The report as the API answers it, less the live send rate (messages in the last 10 seconds).
const report = async (issueId: number) => {
  const r = (await (await t.fetch(`/api/issues/${issueId}/send/report`, { editor: true })).json()) as { progress: { sent: number; rate: unknown } };
  return { ...r, progress: { ...r.progress, rate: undefined } };
};

test('retention rolls up and drops an old send’s partition; reports and reader history still show its counts', async () => {
  const old = await send('retained-old');
  const recent = await send('retained-recent');
  expect(await partition(old.sendId)).toBe(`deliveries_s${old.sendId}`);
  // A reader of the old send: their history must still count it once the rows are gone.
  const reader = (await t.c.pool.query<{ subscriber_id: number }>('SELECT subscriber_id FROM deliveries WHERE send_id = $1 ORDER BY subscriber_id LIMIT 1', [old.sendId])).rows[0]!.subscriber_id;
  // Nothing is old enough yet.
  expect((await t.c.sending.retention.run()).sends).toEqual([]);
  await t.c.pool.query("UPDATE sends SET completed_at = now() - interval '31 days' WHERE id = $1", [old.sendId]);
  const before = await report(old.issueId);
  const summariesBefore = await t.c.consoleOverview.sendSummaries([old.issueId]);
  expect(await t.c.sending.retention.run()).toEqual({ ran: true, sends: [old.sendId] });

  expect(await partition(old.sendId)).toBeNull();
  expect(await partition(recent.sendId)).toBe(`deliveries_s${recent.sendId}`);
  expect((await t.c.pool.query('SELECT 1 FROM deliveries WHERE send_id = $1', [old.sendId])).rowCount).toBe(0);

  const after = await report(old.issueId);
  expect(after).toEqual(before);
  expect(after.progress.sent).toBe(N);
  expect(await t.c.consoleOverview.sendSummaries([old.issueId])).toEqual(summariesBefore);
  expect(await t.c.consoleOverview.subscriberRollup(reader)).toEqual({ deliveries: 1, sent: 1, last_sent_at: expect.any(Date) });

  // A second pass finds nothing more to do; the recent send is untouched.
  expect((await t.c.sending.retention.run()).sends).toEqual([]);
  expect((await report(recent.issueId)).progress.sent).toBe(N);
});
