/**
 * Outgoing webhooks end to end against a local receiver: registration (secret once), reader events
 * in order with valid signatures, bounce and complaint events from the signed bounce webhook, send
 * events, retries after 500s, timeouts and redirects (never followed), a slow endpoint not holding
 * another back, an endpoint failing for a day disabled (and enabled again, nothing lost), SSRF targets refused.
 */
import { randomBytes } from 'node:crypto';
import { signBounce } from '../src/http/webhooks';
import { checkTarget, isPrivateAddress } from '../src/webhooks/target';
import { startTestApp, type TestApp } from './helpers/app';
import { createIssue, waitForStatus, waitUntil } from './helpers/delivery';
import { confirmedReader } from './helpers/readers';
import { verifySignature, WebhookReceiver } from './helpers/webhook-receiver';

const BOUNCE_SECRET = 'bounce-secret-' + randomBytes(8).toString('hex');
let t: TestApp;
let rx: WebhookReceiver;
const ctx = { source: 'email' as const, ip: null, userAgent: null };

beforeAll(async () => {
  rx = await new WebhookReceiver().start();
  t = await startTestApp({
    env: { WEBHOOK_ALLOW_PRIVATE: '1', WEBHOOK_POLL_MS: '50', WEBHOOK_RETRY_BASE_SECONDS: '0', WEBHOOK_TIMEOUT_MS: '800', BOUNCE_WEBHOOK_SECRET: BOUNCE_SECRET },
  });
}, 30_000);

afterAll(async () => {
  await t?.close();
  await rx?.stop();
});

async function register(path: string, events: string[]): Promise<{ id: number; secret: string }> {
  const res = await t.fetch('/api/webhooks', { method: 'POST', editor: true, json: { url: rx.url + path, events } });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: number; secret: string };
}

const types = (path: string) => rx.at(path).map((r) => r.body.type);

test('reader events arrive signed, in order, once each', async () => {
  const { secret } = await register('/readers', ['subscriber.confirmed', 'subscriber.updated', 'subscriber.unsubscribed', 'subscriber.erased', 'bounce.recorded', 'complaint.recorded']);
  expect(secret).toMatch(/^whsec_/);
  const list = await (await t.fetch('/api/webhooks', { editor: true })).json();
  expect(JSON.stringify(list)).not.toContain(secret);

  const id = await confirmedReader(t, 'hook.reader@example.org', ['ai']);
  await t.c.readers.preferences.setTopics(id, ['ai', 'telecom'], ctx);
  await t.c.readers.preferences.unsubscribe(id, ctx);
  expect((await t.fetch(`/api/subscribers/${id}`, { method: 'DELETE', editor: true })).status).toBe(200);
  await waitUntil(async () => rx.at('/readers').length >= 4, 15_000, 'four reader events');
  expect(types('/readers')).toEqual(['subscriber.confirmed', 'subscriber.updated', 'subscriber.unsubscribed', 'subscriber.erased']);
  for (const r of rx.at('/readers')) {
    expect(verifySignature(secret, r)).toBe(true);
    expect(r.headers['x-tidings-event-id']).toBe(r.body.id);
    expect(r.body.data.subscriber_id).toBe(id);
  }
  expect(rx.at('/readers')[1]!.body.data.topics).toEqual(['ai', 'telecom']);
  expect(JSON.stringify(rx.at('/readers')[3]!.body)).not.toContain('hook.reader');

  const bounce = async (email: string, type: string) => {
    const raw = JSON.stringify({ email, type, reason: 'test' });
    const ts = Math.floor(Date.now() / 1000);
    const res = await fetch(t.url + '/webhooks/bounces', {
      method: 'POST', body: raw, headers: { 'content-type': 'application/json', 'x-tidings-timestamp': String(ts), 'x-tidings-signature': signBounce(BOUNCE_SECRET, ts, raw) },
    });
    expect(res.status).toBeLessThan(300);
  };
  const bouncer = await confirmedReader(t, 'bouncing.reader@example.org', ['ai']);
  const complainer = await confirmedReader(t, 'complaining.reader@example.org', ['ai']);
  await bounce('bouncing.reader@example.org', 'hard');
  await bounce('complaining.reader@example.org', 'complaint');
  const of = (type: string) => rx.at('/readers').filter((r) => r.body.type === type);
  await waitUntil(async () => of('bounce.recorded').length && of('complaint.recorded').length, 15_000, 'bounce events');
  expect(of('bounce.recorded')[0]!.body.data).toMatchObject({ subscriber_id: bouncer, kind: 'hard_bounce', suppressed: true });
  expect(of('complaint.recorded')[0]!.body.data).toMatchObject({ subscriber_id: complainer, kind: 'complaint', suppressed: true });
  // The complaint unsubscribed the reader: that event follows it, in order.
  await waitUntil(async () => of('subscriber.unsubscribed').length >= 2, 15_000, 'unsubscribed by complaint');
  const complainerEvents = rx.at('/readers').filter((r) => r.body.data.subscriber_id === complainer).map((r) => r.body.type);
  expect(complainerEvents).toEqual(['subscriber.confirmed', 'complaint.recorded', 'subscriber.unsubscribed']);
}, 60_000);

test('send events: started and completed', async () => {
  await register('/sends', ['send.started', 'send.completed', 'send.paused']);
  const issueId = await createIssue(t, 'hooks-issue');
  expect((await t.fetch(`/api/issues/${issueId}/send`, { method: 'POST', editor: true })).status).toBe(202);
  await waitForStatus(t, issueId, ['completed'], 30_000);
  await waitUntil(async () => rx.at('/sends').length >= 2, 15_000, 'send events');
  expect(types('/sends')).toEqual(['send.started', 'send.completed']);
  expect(rx.at('/sends')[0]!.body.data.issue_id).toBe(issueId);
}, 60_000);

test('500s, a timeout and a redirect are retried with the same event id; a slow endpoint holds nobody else back', async () => {
  rx.answer('/flaky', (n) => (n === 0 ? 500 : n === 1 ? 'hang' : n === 2 ? 302 : 200));
  rx.answer('/slow', () => 'hang');
  await register('/flaky', ['subscriber.updated']);
  await register('/slow', ['subscriber.updated']);
  await register('/fast', ['subscriber.updated']);
  const id = await confirmedReader(t, 'flaky.reader@example.org', ['ai']);
  await t.c.readers.preferences.setTopics(id, ['telecom'], ctx);
  await t.c.readers.preferences.setTopics(id, ['ai'], ctx);
  await waitUntil(async () => rx.at('/fast').length >= 2, 10_000, 'fast endpoint');
  await waitUntil(async () => rx.at('/flaky').length >= 5, 20_000, 'flaky retries');
  const flaky = rx.at('/flaky');
  // The first event was tried four times (500, timeout, redirect, 200) before the second went.
  expect(flaky.slice(0, 4).map((r) => r.body.id)).toEqual(Array(4).fill(flaky[0]!.body.id));
  expect(flaky[4]!.body.id).not.toBe(flaky[0]!.body.id);
  expect(flaky.map((r) => r.body.data.topics)).toEqual([['telecom'], ['telecom'], ['telecom'], ['telecom'], ['ai']]);
  expect(rx.received.some((r) => r.path === '/elsewhere')).toBe(false);
  const slow = (await (await t.fetch('/api/webhooks', { editor: true })).json()).webhooks.find((w: { url: string }) => w.url.endsWith('/slow'));
  const detail = await (await t.fetch(`/api/webhooks/${slow.id}`, { editor: true })).json();
  await waitUntil(async () => {
    const d = await (await t.fetch(`/api/webhooks/${slow.id}`, { editor: true })).json();
    return d.failures.length > 0 && d.failures[0].lastError.includes('no answer');
  }, 10_000, 'the slow endpoint failure shown');
  expect(detail.pending).toBe(2);
}, 60_000);

test('an endpoint failing for a day is disabled, keeps its events, and is delivered to once enabled', async () => {
  let up = false;
  rx.answer('/down', () => (up ? 200 : 503));
  const { id } = await register('/down', ['subscriber.confirmed']);
  await t.c.pool.query(`UPDATE webhook_endpoints SET failing_since = now() - interval '25 hours' WHERE id = $1`, [id]);
  await confirmedReader(t, 'down.reader@example.org', ['ai']);
  const disabled = await waitUntil(async () => {
    const d = await (await t.fetch(`/api/webhooks/${id}`, { editor: true })).json();
    return d.disabledAt ? d : undefined;
  }, 10_000, 'endpoint disabled');
  expect(disabled.disabledReason).toMatch(/answered 503/);
  expect(disabled.pending).toBe(1);
  up = true;
  expect((await t.fetch(`/api/webhooks/${id}/enable`, { method: 'POST', editor: true })).status).toBe(200);
  await waitUntil(async () => rx.at('/down').some((r) => r.body.type === 'subscriber.confirmed' && rx.at('/down').at(-1) === r && up), 10_000, 'delivered after enable');
  expect((await t.fetch(`/api/webhooks/${id}`, { method: 'DELETE', editor: true })).status).toBe(200);
}, 60_000);

test('bad registrations: clear 4xx answers', async () => {
  const post = (json: unknown) => t.fetch('/api/webhooks', { method: 'POST', editor: true, json });
  const code = async (json: unknown) => ((await (await post(json)).json()) as { error: { code: string; field?: string } }).error;
  expect(await code({ url: 'ftp://example.org/x', events: ['send.started'] })).toMatchObject({ code: 'invalid_url', field: 'url' });
  expect(await code({ url: 'not a url', events: ['send.started'] })).toMatchObject({ code: 'invalid_url', field: 'url' });
  expect(await code({ url: rx.url, events: ['nope'] })).toMatchObject({ field: 'events' });
  expect(await code({ url: rx.url, events: [] })).toMatchObject({ field: 'events' });
  expect((await post({ url: rx.url, events: Array(1000).fill('send.started') })).status).toBe(422);
  expect((await t.fetch('/api/webhooks', { method: 'POST', json: { url: rx.url, events: ['send.started'] } })).status).toBe(401);
});

test('SSRF: private, loopback and non-https targets are refused without WEBHOOK_ALLOW_PRIVATE', async () => {
  for (const url of ['http://example.org/hook', 'https://127.0.0.1/x', 'https://localhost/x', 'https://[::1]/x', 'https://169.254.169.254/latest',
    'https://10.1.2.3/', 'https://192.168.0.1/', 'https://[::ffff:127.0.0.1]/', 'https://0.0.0.0/', 'https://[fd00::1]/', 'https://user:pw@example.org/']) {
    await expect(checkTarget(url, false)).rejects.toMatchObject({ code: 'invalid_url' });
  }
  expect(isPrivateAddress('93.184.216.34')).toBe(false);
  expect(isPrivateAddress('2606:2800:220:1::1')).toBe(false);
  await expect(checkTarget('http://127.0.0.1:9/', true)).resolves.toMatchObject({ address: '127.0.0.1' });
});
