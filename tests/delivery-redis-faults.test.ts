/**
 * Redis faults beyond FLUSHALL, with a real worker process and a private redis-server (stopping the
 * shared one would break every other test file): Redis killed mid-send and away for a while (CI: a
 * few seconds; `npm run chaos`: 30 s), then started empty on the same port. The send completes with
 * 0 duplicates, 0 lost and nothing uncertain; subscribe requests made while it was away answer at
 * once and are not lost (their confirmations arrive after it returns).
 */
import { startTestApp, type TestApp } from './helpers/app';
import { createIssue, insertReaders, quietSink, ledger, spawnWorker, waitForStatus, waitUntil, type WorkerProcess } from './helpers/delivery';
import { PrivateRedis } from './helpers/redis-server';
import { audit, FAST_ENGINE_ENV, sendOf } from './helpers/reliability';

const N = 300;
const AWAY_MS = Number(process.env.CHAOS_REDIS_AWAY_MS ?? 4000);
const WORKER_ENV = {
  ...FAST_ENGINE_ENV,
  SMTP_MAX_CONNECTIONS: '3',
  READERS_SWEEP_INTERVAL_MS: '500',
  READERS_SWEEP_AGE_SECONDS: '2',
};

let redis: PrivateRedis;
let t: TestApp;
let w: WorkerProcess | undefined;

beforeAll(async () => {
  redis = await PrivateRedis.create();
  t = await startTestApp({ env: { ROLE: 'api', REDIS_URL: redis.url, ...WORKER_ENV } });
  quietSink(t.sink!);
  await insertReaders(t.c.pool, N);
}, 60_000);

afterAll(async () => {
  if (w && w.child.exitCode === null) w.child.kill('SIGKILL');
  await t?.close();
  await redis?.stop();
});

test('Redis killed mid-send and away: the send completes after it returns; subscribe requests meanwhile are kept', async () => {
  const issueId = await createIssue(t, 'redis');
  expect((await t.fetch(`/api/issues/${issueId}/send`, { method: 'POST', editor: true })).status).toBe(202);
  const sendId = await sendOf(t, issueId);
  w = spawnWorker(t, WORKER_ENV);
  await w.ready;
  await waitUntil(async () => ((await ledger(t.c.pool, sendId)).sent ?? 0) >= 40, 30_000, '40 sent', 50);

  await redis.stop();
  const away = Date.now();
  const addresses = ['away1@example.org', 'away2@example.org', 'away3@example.org'];
  for (const email of addresses) {
    // The rate limits count in memory meanwhile: the answer comes at once, never a hang or a 5xx.
    const res = await t.fetch('/api/subscriptions', { method: 'POST', json: { email, topics: ['ai'] }, signal: AbortSignal.timeout(5000) });
    expect([email, res.status]).toEqual([email, 202]);
  }
  const ready = await t.fetch('/readyz');
  expect(((await ready.json()) as { down: string[] }).down).toEqual(['redis']);
  await new Promise((r) => setTimeout(r, Math.max(0, AWAY_MS - (Date.now() - away))));
  await redis.start();

  const final = await waitForStatus(t, issueId, ['completed'], 60_000);
  expect(final.total).toBe(N);
  expect(final.sent).toBe(N);
  expect(final.uncertain).toBe(0);
  const a = await audit(t, sendId, 'Tidings redis');
  expect(a.duplicates).toEqual([]);
  expect(a.lost).toEqual([]);
  expect(a.received).toBe(N);
  // Requests recorded while Redis was away are dispatched once it is back (sweeper or listener).
  await waitUntil(async () => addresses.every((e) => t.sink!.to(e).length > 0), 30_000, 'confirmations of requests made while Redis was away');
}, 120_000);
