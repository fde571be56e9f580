/**
 * Crash safety with real worker processes: kill -9 at random moments (10 times, restarting each
 * time), and a Redis FLUSHALL mid-send. Every delivery ends terminal, nobody gets two emails, and
 * `uncertain` never exceeds the messages that were in flight at the kills.
 * Uses a private redis-server (FLUSHALL must not touch the shared one); in the cluster run
 * (TEST_REDIS_CLUSTER_NODES, run alone with --runInBand) it flushes every master of the cluster.
 * Two worker processes finish each send, so batches really are shared between processes.
 */
import { startTestApp, type TestApp } from './helpers/app';
import { createIssue, insertReaders, quietSink, ledger, spawnWorker, waitForStatus, waitUntil, type WorkerProcess, tallyDrift } from './helpers/delivery';
import { PrivateRedis } from './helpers/redis-server';
import { redisNodes } from '../src/queue';

const N = 2000;
// The lease must outlast a chunk's SMTP time even on a loaded machine (the sink parses every
// message in this process); the rate keeps the send running long enough for ten kills.
const WORKER_ENV = {
  SEND_LEASE_SECONDS: '5',
  SEND_RECONCILE_INTERVAL_MS: '300',
  SEND_RATE_PER_SECOND: '100',
  SEND_BATCH_SIZE: '100',
  SEND_CHUNK_SIZE: '10',
  WORKER_CONCURRENCY: '2',
};

let redis: PrivateRedis;
let t: TestApp;
const children: WorkerProcess[] = [];

beforeAll(async () => {
  redis = await PrivateRedis.create();
  // The API process only: deliveries happen in the worker processes this file spawns and kills.
  t = await startTestApp({ env: { ROLE: 'api', REDIS_URL: redis.url, ...WORKER_ENV } });
  await insertReaders(t.c.pool, N);
  quietSink(t.sink!);
}, 60_000);

afterAll(async () => {
  for (const w of children) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  await t?.close();
  await redis?.stop();
});

function worker(): WorkerProcess {
  const w = spawnWorker(t, WORKER_ENV);
  children.push(w);
  return w;
}

async function sendOf(issueId: number): Promise<number> {
  const { rows } = await t.c.pool.query<{ id: number }>('SELECT id FROM sends WHERE issue_id = $1', [issueId]);
  return rows[0]!.id;
}

function duplicates(subject: string): string[] {
  const seen = new Map<string, number>();
  for (const m of t.sink!.messages) {
    if (m.parsed.subject !== subject) continue;
    for (const to of m.to) seen.set(to, (seen.get(to) ?? 0) + 1);
  }
  return [...seen].filter(([, n]) => n > 1).map(([a]) => a);
}

function received(subject: string): Set<string> {
  return new Set(t.sink!.messages.filter((m) => m.parsed.subject === subject).flatMap((m) => m.to));
}

test('kill -9 at random moments, 10 times: terminal, no duplicates, uncertain ≤ in flight at the kills', async () => {
  const issueId = await createIssue(t, 'crash');
  const res = await t.fetch(`/api/issues/${issueId}/send`, { method: 'POST', editor: true });
  expect(res.status).toBe(202);
  const sendId = await sendOf(issueId);

  let inFlightAtKills = 0;
  let kills = 0;
  for (let i = 0; i < 10; i++) {
    const w = worker();
    const t0 = Date.now();
    await w.ready;
    if (process.env.DEBUG_DELIVERY) console.log('ready after', Date.now() - t0, await ledger(t.c.pool, sendId));
    // Let it get going: wait until this process has moved the ledger, then kill at a random moment.
    const before = (await ledger(t.c.pool, sendId)).sent ?? 0;
    await waitUntil(async () => ((await ledger(t.c.pool, sendId)).sent ?? 0) > before, 20_000, 'progress', 50).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 100 + Math.random() * 900));
    w.child.kill('SIGKILL');
    await w.exited;
    kills++;
    // The dead process can change nothing now: what is 'sending' was in flight at the kill.
    inFlightAtKills += (await ledger(t.c.pool, sendId)).sending ?? 0;
    if (process.env.DEBUG_DELIVERY) console.log('killed', i, await ledger(t.c.pool, sendId), w.output.join('').slice(-3000));
  }
  expect(kills).toBe(10);
  const mid = await ledger(t.c.pool, sendId);
  expect((mid.pending ?? 0) + (mid.sending ?? 0)).toBeGreaterThan(0); // the kills happened mid-send

  worker();
  worker();
  const final = await waitForStatus(t, issueId, ['completed'], 120_000);
  const rows = await ledger(t.c.pool, sendId);
  expect(rows.pending ?? 0).toBe(0);
  expect(rows.sending ?? 0).toBe(0);
  expect(final.total).toBe(N);
  expect(final.sent + final.uncertain + final.failed + final.skipped).toBe(N);
  expect(final.failed).toBe(0);
  expect(final.uncertain).toBeLessThanOrEqual(inFlightAtKills);

  await new Promise((r) => setTimeout(r, 300));
  expect(duplicates('Tidings crash')).toEqual([]);
  // Nothing lost: every row marked sent reached the sink; only uncertain rows may be missing.
  const got = received('Tidings crash');
  const sent = await t.c.pool.query<{ email: string }>(
    `SELECT s.email FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id WHERE d.send_id = $1 AND d.status = 'sent'`,
    [sendId],
  );
  expect(sent.rows.filter((r) => !got.has(r.email))).toEqual([]);
  expect(got.size).toBeLessThanOrEqual(final.sent + final.uncertain);
  expect(got.size).toBeGreaterThanOrEqual(final.sent);
}, 240_000);

test('Redis FLUSHALL mid-send: the reconciler finishes the send without duplicates', async () => {
  const issueId = await createIssue(t, 'flush');
  const res = await t.fetch(`/api/issues/${issueId}/send`, { method: 'POST', editor: true });
  expect(res.status).toBe(202);
  const sendId = await sendOf(issueId);
  const ws = [worker(), worker()];
  await Promise.all(ws.map((w) => w.ready));
  await waitUntil(async () => ((await ledger(t.c.pool, sendId)).sent ?? 0) > 300, 60_000, '300 sent');

  // The app's own connection reaches the same Redis as the workers: the private server, or every
  // master of the cluster.
  for (const node of redisNodes(t.c.redis)) await node.flushall();

  const final = await waitForStatus(t, issueId, ['completed'], 120_000);
  expect(final.sent + final.uncertain).toBe(N);
  expect(final.uncertain).toBe(0);
  await new Promise((r) => setTimeout(r, 300));
  expect(duplicates('Tidings flush')).toEqual([]);
  expect(received('Tidings flush').size).toBe(N);
  for (const w of ws) w.child.kill('SIGKILL');
  await Promise.all(ws.map((w) => w.exited));
}, 180_000);

test('every send above: the tallies behind the counts match the ledger row for row (migration 028)', async () => {
  expect(await tallyDrift(t.c.pool)).toEqual([]);
  const sends = await t.c.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM delivery_tallies');
  expect(sends.rows[0]!.n).toBeGreaterThan(0);
});
