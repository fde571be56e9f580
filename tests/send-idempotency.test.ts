/**
 * An Idempotency-Key names one send. Whatever order a keyed and a keyless call for the same issue
 * arrive in, the key ends up on that send, so it can never start a send of another issue.
 */
import { startTestApp, type TestApp } from './helpers/app';
import { createIssue, insertReaders } from './helpers/delivery';

let t: TestApp;

beforeAll(async () => {
  // A slow rate: the sends stay open while the test looks at them.
  t = await startTestApp({ env: { SEND_RATE_PER_SECOND: '2' } });
  await insertReaders(t.c.pool, 10);
}, 30_000);

afterAll(async () => {
  await t?.close();
});

const send = (issueId: number, key?: string) =>
  t.fetch(`/api/issues/${issueId}/send`, { method: 'POST', editor: true, headers: key ? { 'Idempotency-Key': key } : {} });

test('a keyed call that loses to a keyless one still claims its key', async () => {
  const first = await createIssue(t, 'idem-first');
  const other = await createIssue(t, 'idem-other');
  expect((await send(first)).status).toBe(202); // keyless call wins
  const keyed = await send(first, 'key-a');
  expect(keyed.status).toBe(202);
  const reused = await send(other, 'key-a');
  expect(reused.status).toBe(409);
  expect((await reused.json()).error.code).toBe('idempotency_key_reused');
  const { rows } = await t.c.pool.query('SELECT issue_id, idempotency_key FROM sends ORDER BY id');
  expect(rows).toEqual([{ issue_id: first, idempotency_key: 'key-a' }]);
});

test('concurrent keyed and keyless calls, then the key on another issue: one send, 409', async () => {
  for (let round = 0; round < 5; round++) {
    const issue = await createIssue(t, `idem-race-${round}`);
    const other = await createIssue(t, `idem-race-other-${round}`);
    const [a, b] = await Promise.all([send(issue, `race-${round}`), send(issue)]);
    expect([a.status, b.status]).toEqual([202, 202]);
    expect((await send(other, `race-${round}`)).status).toBe(409);
    const { rows } = await t.c.pool.query('SELECT count(*)::int AS n FROM sends WHERE issue_id = ANY($1::bigint[])', [[issue, other]]);
    expect(rows[0].n).toBe(1);
  }
});
