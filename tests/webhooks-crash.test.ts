/**
 * Outgoing webhooks survive a worker killed with SIGKILL mid-delivery: the event is in Postgres
 * (written with the change), the dead worker's lease runs out, and a new worker delivers it — the
 * same event id, at least once, in order with the event behind it.
 */
import { startTestApp, type TestApp } from './helpers/app';
import { spawnWorker, waitUntil, type WorkerProcess } from './helpers/delivery';
import { confirmedReader } from './helpers/readers';
import { verifySignature, WebhookReceiver } from './helpers/webhook-receiver';

const ENV = { WEBHOOK_ALLOW_PRIVATE: '1', WEBHOOK_POLL_MS: '100', WEBHOOK_TIMEOUT_MS: '1000', WEBHOOK_RETRY_BASE_SECONDS: '0' };
let t: TestApp;
let rx: WebhookReceiver;
const children: WorkerProcess[] = [];

beforeAll(async () => {
  rx = await new WebhookReceiver().start();
  // The API process only: the webhook loop runs in the worker processes this file spawns and kills.
  t = await startTestApp({ env: { ROLE: 'api', ...ENV } });
}, 30_000);

afterAll(async () => {
  for (const w of children) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  await t?.close();
  await rx?.stop();
});

test('kill -9 while a delivery is in flight: a new worker delivers it, nothing lost', async () => {
  let alive = false;
  // The first request never gets an answer while the first worker lives.
  rx.answer('/crm', (n) => (n === 0 ? 'hang' : alive ? 200 : 500));
  const res = await t.fetch('/api/webhooks', { method: 'POST', editor: true, json: { url: rx.url + '/crm', events: ['subscriber.confirmed', 'subscriber.updated'] } });
  const { secret } = (await res.json()) as { secret: string };

  const first = spawnWorker(t, ENV);
  children.push(first);
  await first.ready;
  // No worker in this process (ROLE=api): the spawned worker sends the confirmation email and the webhooks.
  const id = await confirmedReader(t, 'crash.reader@example.org', ['ai']);
  await t.c.readers.preferences.setTopics(id, ['telecom'], { source: 'email', ip: null, userAgent: null });
  await waitUntil(async () => rx.at('/crm').length >= 1, 20_000, 'first request in flight');
  first.child.kill('SIGKILL');
  await first.exited;

  alive = true;
  const second = spawnWorker(t, ENV);
  children.push(second);
  await waitUntil(async () => rx.at('/crm').filter((r) => r.body.type === 'subscriber.updated').length >= 1, 30_000, 'delivery after the kill');
  const got = rx.at('/crm');
  expect(got[0]!.body.type).toBe('subscriber.confirmed');
  // Redelivered with the same id (at-least-once), and before the event behind it (order kept).
  const confirmedId = got[0]!.body.id;
  const lastConfirmed = got.map((r) => r.body.id).lastIndexOf(confirmedId);
  expect(lastConfirmed).toBeGreaterThan(0);
  expect(got.findIndex((r) => r.body.type === 'subscriber.updated')).toBeGreaterThan(lastConfirmed);
  for (const r of got) expect(verifySignature(secret, r)).toBe(true);
  await waitUntil(async () => (await t.c.pool.query(`SELECT 1 FROM webhook_deliveries WHERE status <> 'delivered'`)).rowCount === 0, 10_000, 'all delivered');
  expect((await t.c.pool.query(`SELECT 1 FROM webhook_deliveries`)).rowCount).toBe(2);
}, 90_000);
