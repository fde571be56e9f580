/**
 * What a worker process keeps out of memory (docs/performance.md, "Memory"): booting and delivering
 * a send in the default zone (UTC), it never touches ICU's zone, locale or collation data, whose
 * first use costs a process megabytes of resident memory (≈ 8 MB for a time-zone formatter, ≈ 3 MB
 * for localeCompare). The hook that reports such a use is shown to report one: a worker whose
 * DEFAULT_TIMEZONE is a real zone does need the zone data, and says so.
 */
import { startTestApp, type TestApp } from './helpers/app';
import { createIssue, insertReaders, spawnWorker, waitForStatus, waitUntil, type WorkerProcess } from './helpers/delivery';

const HOOK = ['--require', require.resolve('./helpers/intl-use.cjs')];
let t: TestApp;

beforeAll(async () => {
  // The API process only: the deliveries happen in the worker processes this file spawns.
  t = await startTestApp({ env: { ROLE: 'api' } });
  await insertReaders(t.c.pool, 21);
}, 60_000);
afterAll(async () => {
  await t?.close();
});

async function stop(w: WorkerProcess): Promise<void> {
  if (w.child.exitCode === null) w.child.kill('SIGTERM');
  await w.exited;
}

const uses = (w: WorkerProcess) => w.output.join('').split('\n').filter((l) => l.startsWith('INTL_USED'));

test('a worker boots and delivers a whole send without loading ICU data', async () => {
  const w = spawnWorker(t, {}, HOOK);
  try {
    await w.ready;
    const issueId = await createIssue(t, 'footprint');
    expect((await t.fetch(`/api/issues/${issueId}/send`, { method: 'POST', editor: true })).status).toBe(202);
    const done = await waitForStatus(t, issueId, ['completed'], 60_000);
    expect(done.sent).toBe(21);
    expect(t.sink!.messages.length).toBe(21);
    expect(uses(w)).toEqual([]);
  } finally {
    await stop(w);
  }
}, 90_000);

test('the hook does report a use: a worker in a named default zone loads the zone data', async () => {
  const w = spawnWorker(t, { DEFAULT_TIMEZONE: 'europe/brussels' }, HOOK);
  try {
    await w.ready;
    const found = await waitUntil(async () => uses(w).find((l) => l.startsWith('INTL_USED Intl.DateTimeFormat')), 10_000, 'the report');
    expect(found).toMatch(/timezones/);
  } finally {
    await stop(w);
  }
}, 60_000);
