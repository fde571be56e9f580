/**
 * The counts behind progress (migration 028, docs/delivery.md "Counts"): tallies per batch,
 * recounted when a claim ends and by every writer outside a claim, plus the live rows of claimed
 * batches. Checked against a count of the ledger's rows in the same snapshot, while a send runs
 * (claims starting and ending under the reads) and under concurrent writers recounting one batch.
 */
import { withTransaction } from '../src/db/pool';
import { startTestApp, type TestApp } from './helpers/app';
import { createIssue, insertReaders, progress, tallyDrift, waitUntil } from './helpers/delivery';

const N = 600;
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({
    env: { SEND_BATCH_SIZE: '100', SEND_CHUNK_SIZE: '25', SEND_RATE_PER_SECOND: '250' },
  });
  await insertReaders(t.c.pool, N);
}, 60_000);
afterAll(async () => {
  await t?.close();
});

let sendId: number;
let issueId: number;

test('while a send runs, the counts shown equal the ledger at every read, and add up to the total', async () => {
  issueId = await createIssue(t, 'tallies');
  expect((await t.fetch(`/api/issues/${issueId}/send`, { method: 'POST', editor: true })).status).toBe(202);
  let reads = 0;
  let whileSending = 0;
  const done = await waitUntil(async () => {
    expect(await tallyDrift(t.c.pool)).toEqual([]);
    const p = await progress(t, issueId);
    reads++;
    if (p.status === 'sending' && p.sent > 0 && p.sent < N) whileSending++;
    if (p.prepared) expect(p.sent + p.failed + p.skipped + p.uncertain + p.pending + p.cancelled + p.bounced).toBe(p.total);
    return p.status === 'completed' ? p : undefined;
  }, 60_000, 'the send to complete', 100);
  sendId = done.send_id;
  expect(done.sent).toBe(N);
  expect(whileSending).toBeGreaterThanOrEqual(3);
  expect(reads).toBeGreaterThan(whileSending);
}, 90_000);

test('forty bounces at once, each recounting its batch in its own transaction: the tallies end exact', async () => {
  const { rows } = await t.c.pool.query<{ subscriber_id: number }>(
    'SELECT subscriber_id::int FROM deliveries WHERE send_id = $1 AND status = $2 ORDER BY subscriber_id LIMIT 40',
    [sendId, 'sent'],
  );
  expect(rows).toHaveLength(40);
  // Forty rows of the first batches: several writers recount the same batch at the same time.
  await Promise.all(
    rows.map((r) =>
      withTransaction(t.c.pool, async (client) => {
        const b = await client.query<{ batch_id: number }>(t.c.queries.sql('dlv-delivery-bounced'), [sendId, r.subscriber_id]);
        await client.query(t.c.queries.sql('batch-recount'), [sendId, [b.rows[0]!.batch_id]]);
      }),
    ),
  );
  expect(await tallyDrift(t.c.pool)).toEqual([]);
  const p = await progress(t, issueId);
  expect({ sent: p.sent, bounced: p.bounced }).toEqual({ sent: N - 40, bounced: 40 });
}, 30_000);
