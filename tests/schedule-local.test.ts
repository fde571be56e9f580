/**
 * Delivery at each reader's local time (issue 16): readers in Shanghai, Brussels, New York and
 * without a zone (DEFAULT_TIMEZONE, UTC here) get the issue at 08:00 on the date in their own zone.
 * The container's clock is moved from one zone's 08:00 to the next, so hours pass in seconds; at
 * each step exactly the zones due so far have been mailed. A cancel after the first zone stops the
 * others. The ledger is prepared once, before the first zone.
 */
import { AdjustableClock } from '../src/clock';
import { startTestApp, type TestApp } from './helpers/app';
import { createIssue, insertReaders, readerEmail, waitUntil } from './helpers/delivery';

jest.setTimeout(90_000);

const ZONES = ['Asia/Shanghai', 'Europe/Brussels', 'America/New_York', null] as const;
const PER_ZONE = 3;
const clock = new AdjustableClock(new Date('2026-12-07T12:00:00Z'));
let t: TestApp;
const zoneOf = (i: number) => ZONES[(i - 1) % ZONES.length]!;
const readersIn = (zones: readonly (string | null)[]) =>
  Array.from({ length: PER_ZONE * ZONES.length }, (_, k) => k + 1).filter((i) => zones.includes(zoneOf(i))).map((i) => readerEmail(i));
const mailedTo = (slug: string) => t.sink!.messages.filter((m) => m.parsed.subject?.includes(slug)).flatMap((m) => m.to).sort();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const send = async (id: number) => (await (await t.fetch(`/api/issues/${id}/send`, { editor: true })).json()) as { status: string; total: number; zones: { zone: string; due_at: string; state: string }[] };

beforeAll(async () => {
  t = await startTestApp({ clock, env: { SCHEDULE_POLL_MS: '100', SEND_RECONCILE_INTERVAL_MS: '200', DEFAULT_TIMEZONE: 'UTC' } });
  const ids = await insertReaders(t.c.pool, PER_ZONE * ZONES.length);
  for (const [i, id] of ids) await t.c.pool.query('UPDATE subscribers SET timezone = $2 WHERE id = $1', [id, zoneOf(i)]);
});
afterAll(() => t.close());

async function at(iso: string, slug: string, expected: string[]) {
  clock.set(new Date(iso));
  await waitUntil(async () => mailedTo(slug).length >= expected.length, 20_000, `${expected.length} messages of ${slug} at ${iso}`);
  await sleep(400); // nobody else's zone goes out meanwhile
  expect(mailedTo(slug)).toEqual([...expected].sort());
}

test('08:00 in each reader’s zone, zone by zone', async () => {
  const id = await createIssue(t, 'local-all');
  const res = await t.fetch(`/api/issues/${id}/send`, { method: 'POST', editor: true, json: { local_time: '08:00', date: '2026-12-08' } });
  expect(res.status).toBe(202);
  // The first zone due is Shanghai's 08:00 (00:00 UTC).
  expect(await res.json()).toMatchObject({ status: 'scheduled', scheduled_at: '2026-12-08T00:00:00.000Z', local_time: '08:00', date: '2026-12-08', default_zone: 'UTC' });

  await sleep(300);
  expect(mailedTo('local-all')).toEqual([]);
  await at('2026-12-08T00:00:05Z', 'local-all', readersIn(['Asia/Shanghai']));
  const p = await send(id);
  expect(p.total).toBe(PER_ZONE * ZONES.length);
  expect(p.zones.map((z) => [z.zone, z.due_at, z.state])).toEqual([
    ['Asia/Shanghai', '2026-12-08T00:00:00.000Z', 'done'],
    ['Europe/Brussels', '2026-12-08T07:00:00.000Z', 'waiting'],
    ['UTC', '2026-12-08T08:00:00.000Z', 'waiting'],
    ['America/New_York', '2026-12-08T13:00:00.000Z', 'waiting'],
  ]);
  await at('2026-12-08T07:00:05Z', 'local-all', readersIn(['Asia/Shanghai', 'Europe/Brussels']));
  await at('2026-12-08T08:00:05Z', 'local-all', readersIn(['Asia/Shanghai', 'Europe/Brussels', null]));
  await at('2026-12-08T13:00:05Z', 'local-all', readersIn(ZONES));
  await waitUntil(async () => (await send(id)).status === 'completed', 20_000, 'completed');
  expect((await send(id)).zones.every((z) => z.state === 'done')).toBe(true);
});

test('cancel after the first zone: the remaining zones are never sent', async () => {
  const id = await createIssue(t, 'local-cancel');
  const res = await t.fetch(`/api/issues/${id}/send`, { method: 'POST', editor: true, json: { local_time: '08:00', date: '2026-12-09' } });
  expect(res.status).toBe(202);
  await at('2026-12-09T00:00:05Z', 'local-cancel', readersIn(['Asia/Shanghai']));
  const cancel = await t.fetch(`/api/issues/${id}/send/cancel`, { method: 'POST', editor: true });
  expect(cancel.status).toBe(200);
  expect(await cancel.json()).toMatchObject({ status: 'cancelled', sent: PER_ZONE, cancelled: PER_ZONE * 3 });
  clock.set(new Date('2026-12-09T14:00:00Z'));
  await sleep(800);
  expect(mailedTo('local-cancel')).toEqual(readersIn(['Asia/Shanghai']).sort());
});
