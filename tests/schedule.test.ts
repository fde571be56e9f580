/**
 * Scheduled sends (issue 16, docs/delivery.md "Scheduled sends"): a schedule 10 s ahead sends
 * nothing before and everything after, across a restart of API and worker and a Redis FLUSHALL
 * (private redis-server); every process down across the time, within and beyond the grace; two
 * processes racing for one schedule; cancel, reschedule, Idempotency-Key; bad input names its
 * field. The calendar is the container's clock (AdjustableClock), so nothing waits real minutes.
 */
import { Redis } from 'ioredis';
import { AdjustableClock } from '../src/clock';
import { startTestApp, type TestApp } from './helpers/app';
import { createTestDatabase, type TestDatabase } from './helpers/db';
import { createIssue, insertReaders, issueDocument, waitUntil } from './helpers/delivery';
import { PrivateRedis } from './helpers/redis-server';
import { SmtpSink } from './helpers/smtp-sink';

jest.setTimeout(90_000);

const READERS = 14;
const ENV = { SCHEDULE_POLL_MS: '100', SEND_RECONCILE_INTERVAL_MS: '200', SEND_LEASE_SECONDS: '2' };
let redis: PrivateRedis;
let db: TestDatabase;
let sink: SmtpSink;
const clock = new AdjustableClock(new Date('2026-12-07T12:00:00Z'));
const prefix = `ts_sched_${process.pid}`;
const apps: TestApp[] = [];

const start = async () => {
  const t = await startTestApp({ db, sink, clock, queuePrefix: prefix, env: { ...ENV, REDIS_URL: redis.url, EDITOR_API_KEY: 'schedule-test-editor-key-0123456789abcdef' } });
  apps.push(t);
  return t;
};
const stop = async (t: TestApp) => {
  await t.close();
  apps.splice(apps.indexOf(t), 1);
};
const sendStatus = async (t: TestApp, id: number) => (await (await t.fetch(`/api/issues/${id}/send`, { editor: true })).json()) as Record<string, unknown>;
const schedule = (t: TestApp, id: number, body: unknown, key?: string) =>
  t.fetch(`/api/issues/${id}/send`, { method: 'POST', editor: true, json: body, headers: key ? { 'idempotency-key': key } : {} });
const inSeconds = (s: number) => new Date(clock.now().getTime() + s * 1000).toISOString();
const mailedTo = (slug: string) => sink.messages.filter((m) => m.parsed.subject?.includes(slug)).flatMap((m) => m.to);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  redis = await PrivateRedis.create();
  db = await createTestDatabase();
  sink = await new SmtpSink().start();
  const t = await start();
  await insertReaders(t.c.pool, READERS);
});

afterAll(async () => {
  for (const t of [...apps]) await t.app.stop();
  await sink.stop();
  await db.drop();
  await redis.stop();
});

async function completed(t: TestApp, id: number, slug: string) {
  await waitUntil(async () => (await sendStatus(t, id)).status === 'completed', 30_000, `${slug} completed`);
  const to = mailedTo(slug);
  expect(to.length).toBe(READERS);
  expect(new Set(to).size).toBe(READERS);
}

test('10 s ahead: nothing before; API and worker restarted and Redis flushed in between; all sent after', async () => {
  let t = apps[0]!;
  const id = await createIssue(t, 'sched-restart');
  const at = inSeconds(10);
  const res = await schedule(t, id, { at });
  expect(res.status).toBe(202);
  const body = (await res.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ status: 'scheduled', scheduled_at: new Date(at).toISOString() });
  expect(await sendStatus(t, id)).toMatchObject({ status: 'scheduled' });
  // Frozen while scheduled.
  const put = await t.fetch(`/api/issues/${id}`, { method: 'PUT', editor: true, json: issueDocument('sched-restart') });
  expect(put.status).toBe(409);

  await sleep(500);
  expect(mailedTo('sched-restart')).toHaveLength(0);
  await stop(t);
  const admin = new Redis(redis.url);
  await admin.flushall();
  admin.disconnect();
  clock.advance(11_000);
  t = await start();
  await completed(t, id, 'sched-restart');
});

test('every process down across the time: within the grace it sends, beyond it the schedule is missed', async () => {
  let t = apps[0]!;
  const late = await createIssue(t, 'sched-late');
  const lost = await createIssue(t, 'sched-lost');
  expect((await schedule(t, late, { at: inSeconds(600) })).status).toBe(202);
  expect((await schedule(t, lost, { at: inSeconds(10) })).status).toBe(202);
  await stop(t);
  clock.advance(61 * 60_000 + 10_000); // lost: 61 min late; late: 51 min late
  t = await start();
  await completed(t, late, 'sched-late');
  const missed = await waitUntil(async () => {
    const s = await sendStatus(t, lost);
    return s.status === 'missed' ? s : undefined;
  }, 10_000, 'missed');
  expect(missed.error).toMatch(/while nothing was running/);
  expect(mailedTo('sched-lost')).toHaveLength(0);
  // The editor decides: a new time.
  expect((await schedule(t, lost, { at: inSeconds(5) })).status).toBe(202);
  clock.advance(6_000);
  await completed(t, lost, 'sched-lost');
});

test('two processes racing for one due schedule start one send', async () => {
  const t = apps[0]!;
  const second = await start();
  await Promise.all([t.c.sending.scheduler.stop(), second.c.sending.scheduler.stop()]);
  const id = await createIssue(t, 'sched-race');
  expect((await schedule(second, id, { at: inSeconds(5) })).status).toBe(202);
  clock.advance(6_000);
  const reports = await Promise.all([t.c.sending.scheduler.runOnce(), second.c.sending.scheduler.runOnce(), t.c.sending.scheduler.runOnce()]);
  expect(reports.reduce((n, r) => n + r.started, 0)).toBe(1);
  t.c.sending.scheduler.start();
  await completed(t, id, 'sched-race');
  const sends = await t.c.pool.query('SELECT id FROM sends WHERE issue_id = $1', [id]);
  expect(sends.rowCount).toBe(1);
  await stop(second);
});

test('cancel, reschedule, Idempotency-Key, send now', async () => {
  const t = apps[0]!;
  const id = await createIssue(t, 'sched-edit');
  const first = inSeconds(3600);
  expect((await schedule(t, id, { at: first }, 'key-1')).status).toBe(202);
  // The same key again changes nothing, whatever the body.
  const again = (await (await schedule(t, id, { at: inSeconds(7200) }, 'key-1')).json()) as Record<string, unknown>;
  expect(again.scheduled_at).toBe(new Date(first).toISOString());
  // Another issue may not reuse the key.
  const other = await createIssue(t, 'sched-other');
  expect((await schedule(t, other, { at: inSeconds(60) }, 'key-1')).status).toBe(409);
  // Rescheduling without a key (or with another) moves it.
  const later = inSeconds(7200);
  const moved = (await (await schedule(t, id, { at: later })).json()) as Record<string, unknown>;
  expect(moved.scheduled_at).toBe(new Date(later).toISOString());

  const cancel = await t.fetch(`/api/issues/${id}/send/cancel`, { method: 'POST', editor: true });
  expect(cancel.status).toBe(200);
  expect(await cancel.json()).toMatchObject({ status: 'cancelled' });
  expect((await t.fetch(`/api/issues/${id}/send`, { editor: true })).status).toBe(404);
  const issue = (await (await t.fetch(`/api/issues/${id}`, { editor: true })).json()) as { status: string };
  expect(issue.status).toBe('draft');
  clock.advance(7300_000);
  await sleep(400);
  expect(mailedTo('sched-edit')).toHaveLength(0);

  // Scheduled, then sent now: one send, and the schedule cannot start it again.
  expect((await schedule(t, other, { at: inSeconds(60) })).status).toBe(202);
  expect((await t.fetch(`/api/issues/${other}/send`, { method: 'POST', editor: true })).status).toBe(202);
  await completed(t, other, 'sched-other');
  const audit = (await (await t.fetch(`/api/issues/${id}/send/audit`, { editor: true })).json().catch(() => ({}))) as unknown;
  expect(audit).toBeDefined();
});

test('bad input answers 422 naming the field', async () => {
  const t = apps[0]!;
  const id = await createIssue(t, 'sched-bad');
  const cases: [unknown, string][] = [
    [{ at: inSeconds(-60) }, 'at'],
    [{ at: inSeconds(367 * 24 * 3600) }, 'at'],
    [{ at: '2026-12-08T08:00:00' }, 'at'],
    [{ at: '2027-02-30T08:00:00Z' }, 'at'],
    [{ at: inSeconds(60), local_time: '08:00', date: '2026-12-09' }, 'local_time'],
    [{ local_time: '08:00' }, 'date'],
    [{ date: '2026-12-09' }, 'local_time'],
    [{ local_time: '25:00', date: '2026-12-09' }, 'local_time'],
    [{ local_time: '08:00', date: '2026-12-01' }, 'local_time'],
    [{ when: 'soon' }, 'when'],
  ];
  for (const [body, field] of cases) {
    const res = await schedule(t, id, body);
    expect([res.status, ((await res.json()) as { error: { field: string } }).error.field]).toEqual([422, field]);
  }
});
