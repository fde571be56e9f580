/**
 * Reliability with real worker processes, sized for CI (`npm run chaos` runs the same faults at full
 * size): kill -9, SIGTERM (drain), every Postgres backend terminated, and SMTP faults made by a
 * proxy in front of the sink (slow replies, a connection dropped mid-DATA, 421 and close). After
 * each send: every reader terminal, 0 duplicates, 0 lost (every `sent` row reached the sink),
 * `uncertain` ≤ SMTP_MAX_CONNECTIONS per kill, 0 after a drain, and exactly the drops mid-DATA
 * for the SMTP faults.
 */
import pg from 'pg';
import { startTestApp, type TestApp } from './helpers/app';
import { createIssue, insertReaders, quietSink, ledger, spawnWorker, waitForStatus, waitUntil, type WorkerProcess } from './helpers/delivery';
import { FaultProxy } from './helpers/fault-proxy';
import { audit, FAST_ENGINE_ENV, sendOf } from './helpers/reliability';

const N = 400;
const OBSERVER = 'reliability-test-observer';
const CONNECTIONS = 3;
const WORKER_ENV = {
  ...FAST_ENGINE_ENV,
  SEND_RETRY_BASE_MS: '200',
  SMTP_MAX_CONNECTIONS: String(CONNECTIONS),
  SHUTDOWN_TIMEOUT_MS: '5000',
};

let t: TestApp;
// The test reads the ledger through a pool of its own that the "every backend terminated" fault
// spares: the API's pool is under test there, the observer's reads are not (a read racing the
// termination on a shared pool failed the test instead of the product).
let observer: pg.Pool;
let smtp: FaultProxy;
const children: WorkerProcess[] = [];

beforeAll(async () => {
  t = await startTestApp({ env: { ROLE: 'api', ...WORKER_ENV } });
  quietSink(t.sink!);
  observer = new pg.Pool({ connectionString: t.db.url, application_name: OBSERVER, max: 2 });
  smtp = await new FaultProxy(t.sink!.port, { smtp: true }).start();
  await insertReaders(t.c.pool, N);
}, 60_000);

afterAll(async () => {
  for (const w of children) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  await smtp?.stop();
  await observer?.end();
  await t?.close();
});

function worker(): WorkerProcess {
  const w = spawnWorker(t, { ...WORKER_ENV, SMTP_URL: `smtp://127.0.0.1:${smtp.port}` });
  children.push(w);
  return w;
}

async function progressBy(sendId: number, n: number, what: string): Promise<void> {
  let ledgerAt: Record<string, number> = {};
  const sentNow = async (id: number) => {
    ledgerAt = await ledger(observer, id);
    return ledgerAt.sent ?? 0;
  };
  const before = await sentNow(sendId);
  await waitUntil(async () => (await sentNow(sendId)) >= before + n, 30_000, what, 50).catch((err: Error) => {
    // What the workers said is the first thing to read when a send stalls.
    const said = children.map((w, i) => `worker ${i}:\n${w.output.join('').slice(-3000)}`).join('\n');
    throw new Error(`${err.message}; ledger ${JSON.stringify(ledgerAt)}\n${said}`);
  });
}

test('kill -9, every backend terminated, SIGTERM: 0 duplicates, 0 lost, uncertain ≤ connections per kill', async () => {
  const issueId = await createIssue(t, 'rel');
  expect((await t.fetch(`/api/issues/${issueId}/send`, { method: 'POST', editor: true })).status).toBe(202);
  const sendId = await sendOf(t, issueId);

  // kill -9 mid-send: only the rows its lanes held are left 'sending'.
  const w1 = worker();
  await w1.ready;
  await progressBy(sendId, 40, 'first worker progress');
  w1.child.kill('SIGKILL');
  await w1.exited;
  const atKill = await ledger(observer, sendId);
  expect(atKill.sending ?? 0).toBeLessThanOrEqual(CONNECTIONS);
  expect(atKill.pending ?? 0).toBeGreaterThan(0);
  const orphans = (await observer.query<{ id: string }>("SELECT id FROM deliveries WHERE send_id = $1 AND status = 'sending'", [sendId])).rows.map((r) => r.id);

  // Every backend of the database terminated mid-send: workers and API reconnect.
  const w2 = worker();
  await w2.ready;
  await progressBy(sendId, 40, 'second worker progress');
  const admin = new pg.Client({ connectionString: t.db.url });
  await admin.connect();
  const killed = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name <> $1`, [OBSERVER]);
  await admin.end();
  expect(killed.rowCount).toBeGreaterThan(0);
  await progressBy(sendId, 40, 'progress after pg_terminate_backend');
  expect((await t.fetch(`/api/issues/${issueId}/send`, { editor: true })).status).toBe(200);

  // The killed worker's rows stay 'sending' until its lease runs out and the reconciler marks them
  // uncertain; wait for that, so that what is 'sending' after the drain can only be the drain's.
  await waitUntil(async () => {
    const { rows } = await observer.query("SELECT 1 FROM deliveries WHERE send_id = $1 AND id = ANY($2) AND status = 'sending'", [sendId, orphans]);
    return rows.length === 0;
  }, 30_000, "the killed worker's rows to leave 'sending'", 100);

  // SIGTERM mid-send: the worker finishes and records what it holds, and exits in time.
  const uncertainBefore = (await ledger(observer, sendId)).uncertain ?? 0;
  const t0 = Date.now();
  w2.child.kill('SIGTERM');
  const code = await w2.exited;
  expect(code).toBe(0);
  expect(Date.now() - t0).toBeLessThan(5000 + 3000);
  const afterDrain = await ledger(observer, sendId);
  expect(afterDrain.sending ?? 0).toBe(0);
  expect(afterDrain.pending ?? 0).toBeGreaterThan(0);

  worker();
  const final = await waitForStatus(t, issueId, ['completed'], 60_000);
  expect(final.total).toBe(N);
  expect(final.failed).toBe(0);
  // The drain left nothing uncertain; the kill at most one row per connection.
  expect(final.uncertain - uncertainBefore).toBe(0);
  expect(final.uncertain).toBeLessThanOrEqual(CONNECTIONS);
  const a = await audit(t, sendId, 'Tidings rel');
  expect(a.duplicates).toEqual([]);
  expect(a.lost).toEqual([]);
}, 240_000);

test('SMTP faults: slow replies, drops mid-DATA (uncertain), 421 and close (retried); the send completes', async () => {
  const issueId = await createIssue(t, 'smtp');
  expect((await t.fetch(`/api/issues/${issueId}/send`, { method: 'POST', editor: true })).status).toBe(202);
  const sendId = await sendOf(t, issueId);
  const w = worker();
  await w.ready;
  await progressBy(sendId, 20, 'progress');
  smtp.faults.replyDelayMs = 150;
  await progressBy(sendId, 5, 'progress with slow replies');
  smtp.faults.replyDelayMs = 0;
  smtp.faults.closeWith421 = 4;
  smtp.faults.dropMidData = 3;

  const final = await waitForStatus(t, issueId, ['completed'], 60_000);
  expect(smtp.happened).toEqual({ dropMidData: 3, closeWith421: 4 });
  expect(final.total).toBe(N);
  expect(final.failed).toBe(0);
  // Each drop after the body began is one uncertain row; a 421 before DATA is retried, not lost.
  expect(final.uncertain).toBe(3);
  expect(final.sent).toBe(N - 3);
  const a = await audit(t, sendId, 'Tidings smtp');
  expect(a.duplicates).toEqual([]);
  expect(a.lost).toEqual([]);
  w.child.kill('SIGKILL');
  await w.exited;
}, 120_000);

test('Postgres away: the API answers 503 JSON at once (never hangs, never 500) and /readyz says so; back, it answers again', async () => {
  const pgUrl = new URL(t.db.url);
  const proxy = await new FaultProxy(Number(pgUrl.port || 5432)).start();
  pgUrl.host = `127.0.0.1:${proxy.port}`;
  const api = await startTestApp({ db: { ...t.db, url: pgUrl.toString() }, sink: t.sink, env: { ROLE: 'api' } });
  try {
    expect((await api.fetch('/api/issues', { editor: true })).status).toBe(200);
    proxy.cut();
    for (const path of ['/api/issues', '/api/subscribers']) {
      const res = await api.fetch(path, { editor: true, signal: AbortSignal.timeout(10_000) });
      expect([path, res.status]).toEqual([path, 503]);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unavailable');
    }
    const ready = await api.fetch('/readyz', { signal: AbortSignal.timeout(10_000) });
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { down: string[] }).down).toEqual(['postgres']);
    proxy.back();
    await waitUntil(async () => (await api.fetch('/api/issues', { editor: true })).status === 200, 15_000, 'the API to answer again');
    expect((await api.fetch('/readyz')).status).toBe(200);
  } finally {
    await api.close();
    await proxy.stop();
  }
}, 60_000);
