/**
 * Provider webhooks and our own JSON webhook on the real stack: a real send with VERP senders,
 * then SES (via signed SNS), Mailgun, Postmark and SendGrid fixtures posted over HTTP, each signed
 * as its provider documents it, with the same outcomes as the SMTP receiver: hard → bounced and
 * suppressed, complaint → unsubscribed and suppressed; bad signatures 401 and replays 409, with
 * nothing recorded.
 */
import { createHmac, createSign, generateKeyPairSync, sign as signData } from 'node:crypto';
import { emailHash } from '../src/subscribers/email-hash';
import { signBounce } from '../src/http/webhooks';
import { startTestApp, type TestApp } from './helpers/app';
import { count, deliveriesOf, providerFixture, type SentDelivery } from './helpers/bounce-mail';
import { fixtureText, selfSignedCert } from './helpers/deliverability';
import { createIssue, insertReaders, readerEmail, waitForStatus } from './helpers/delivery';

const MAILGUN_KEY = 'mailgun-signing-key-for-route-tests';
const POSTMARK = { user: 'postmark', password: 'postmark-password-0123456789' };
const JSON_SECRET = 'json-webhook-secret-0123456789';
const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:tidings-ses-feedback';
const sendgridKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
let sns: { cert: string; key: string };
let t: TestApp;
let sent: Map<string, SentDelivery>;

beforeAll(async () => {
  sns = selfSignedCert();
  t = await startTestApp({
    env: {
      BOUNCE_DOMAIN: 'bounces.tidings.test', BOUNCE_WEBHOOK_SECRET: JSON_SECRET,
      SES_SNS_CERTIFICATES: sns.cert, SES_SNS_TOPIC_ARNS: TOPIC,
      MAILGUN_WEBHOOK_SIGNING_KEY: MAILGUN_KEY, POSTMARK_WEBHOOK_USER: POSTMARK.user, POSTMARK_WEBHOOK_PASSWORD: POSTMARK.password,
      SENDGRID_WEBHOOK_PUBLIC_KEY: sendgridKeys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    },
  });
  await insertReaders(t.c.pool, 9);
  const issueId = await createIssue(t, 'dlv-routes');
  expect((await t.fetch(`/api/issues/${issueId}/send`, { method: 'POST', editor: true })).status).toBe(202);
  const p = await waitForStatus(t, issueId, ['completed'], 30_000);
  sent = deliveriesOf(t, p.send_id);
}, 60_000);
afterAll(async () => {
  await t?.close();
});

const reader = (i: number) => sent.get(readerEmail(i))!;
const suppressed = (i: number) => count(t, 'SELECT 1 FROM suppressions WHERE email_hash = $1', [emailHash(readerEmail(i))]);
const status = async (i: number) => (await t.c.pool.query<{ status: string }>('SELECT status FROM subscribers WHERE id = $1', [reader(i).subscriberId])).rows[0]!.status;
const delivery = async (i: number) =>
  (await t.c.pool.query<{ status: string }>('SELECT status FROM deliveries WHERE send_id = $1 AND subscriber_id = $2', [reader(i).sendId, reader(i).subscriberId])).rows[0]!.status;
const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  t.fetch(path, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

function snsBody(fixture: string, i: number, messageId: string): string {
  const e: Record<string, string> = { ...JSON.parse(fixtureText('sns-envelope.json')), MessageId: messageId, Timestamp: new Date().toISOString() };
  e.Message = JSON.stringify(JSON.parse(providerFixture(fixture, reader(i))));
  const toSign = ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'].filter((f) => e[f] !== undefined).map((f) => `${f}\n${e[f]}\n`).join('');
  return JSON.stringify({ ...e, Signature: createSign('RSA-SHA256').update(toSign, 'utf8').sign(sns.key, 'base64') });
}

test('SES via SNS: permanent bounce → bounced + suppressed; complaint → unsubscribed; replay 409; bad signature 401', async () => {
  const bounce = snsBody('ses-bounce-permanent.json', 1, '00000000-0000-4000-8000-00000000000a');
  expect((await post('/webhooks/ses', bounce, { 'content-type': 'text/plain; charset=UTF-8' })).status).toBe(200);
  expect(await delivery(1)).toBe('bounced');
  expect(await suppressed(1)).toBe(1);
  expect((await post('/webhooks/ses', bounce)).status).toBe(409);
  expect((await post('/webhooks/ses', snsBody('ses-complaint.json', 2, '00000000-0000-4000-8000-00000000000b'))).status).toBe(200);
  expect(await status(2)).toBe('unsubscribed');
  expect(await suppressed(2)).toBe(1);
  const forged = JSON.parse(snsBody('ses-bounce-permanent.json', 9, '00000000-0000-4000-8000-00000000000c')) as Record<string, string>;
  forged.Message = forged.Message!.replace('Permanent', 'Transient');
  expect((await post('/webhooks/ses', JSON.stringify(forged))).status).toBe(401);
  expect(await suppressed(9)).toBe(0);
});

function mailgun(fixture: string, i: number, token: string, key = MAILGUN_KEY): string {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = createHmac('sha256', key).update(timestamp + token).digest('hex');
  return JSON.stringify({ ...JSON.parse(providerFixture(fixture, reader(i))), signature: { timestamp, token, signature } });
}

test('Mailgun: failed permanent → suppressed; complained → unsubscribed; wrong key 401', async () => {
  expect((await post('/webhooks/mailgun', mailgun('mailgun-failed-permanent.json', 3, 'a'.repeat(50)))).status).toBe(200);
  expect(await delivery(3)).toBe('bounced');
  expect(await suppressed(3)).toBe(1);
  expect((await post('/webhooks/mailgun', mailgun('mailgun-complained.json', 4, 'b'.repeat(50)))).status).toBe(200);
  expect(await status(4)).toBe('unsubscribed');
  expect((await post('/webhooks/mailgun', mailgun('mailgun-failed-permanent.json', 9, 'c'.repeat(50), 'not-the-key'))).status).toBe(401);
  expect(await suppressed(9)).toBe(0);
});

test('Postmark: hard bounce → suppressed; spam complaint → unsubscribed; wrong password 401', async () => {
  const auth = (p = POSTMARK.password) => ({ authorization: `Basic ${Buffer.from(`${POSTMARK.user}:${p}`).toString('base64')}` });
  expect((await post('/webhooks/postmark', providerFixture('postmark-bounce-hard.json', reader(5)), auth())).status).toBe(200);
  expect(await suppressed(5)).toBe(1);
  expect(await delivery(5)).toBe('bounced');
  expect((await post('/webhooks/postmark', providerFixture('postmark-spam-complaint.json', reader(6)), auth())).status).toBe(200);
  expect(await status(6)).toBe('unsubscribed');
  expect((await post('/webhooks/postmark', providerFixture('postmark-bounce-hard.json', reader(9)), auth('wrong-password-0123456789'))).status).toBe(401);
  expect(await suppressed(9)).toBe(0);
});

test('SendGrid: a signed batch → the bounce and the spam report of one reader; tampered body 401', async () => {
  const body = providerFixture('sendgrid-events.json', reader(7));
  const ts = String(Math.floor(Date.now() / 1000));
  const sig = (b: string) => signData('sha256', Buffer.from(ts + b), sendgridKeys.privateKey).toString('base64');
  const headers = (b: string) => ({ 'x-twilio-email-event-webhook-signature': sig(b), 'x-twilio-email-event-webhook-timestamp': ts });
  expect((await post('/webhooks/sendgrid', body.replace('"busy@', '"busy2@'), headers(body))).status).toBe(401);
  expect((await post('/webhooks/sendgrid', body, headers(body))).status).toBe(200);
  expect(await delivery(7)).toBe('bounced');
  expect(await status(7)).toBe('unsubscribed');
  expect(await suppressed(7)).toBe(1);
});

test('our JSON webhook feeds the same service: a hard bounce by address marks the delivery bounced', async () => {
  const body = JSON.stringify({ email: readerEmail(8), type: 'hard', reason: '550 5.1.1 user unknown' });
  const ts = Math.floor(Date.now() / 1000);
  const res = await post('/webhooks/bounces', body, { 'x-tidings-timestamp': String(ts), 'x-tidings-signature': signBounce(JSON_SECRET, ts, body) });
  expect(res.status).toBe(200);
  expect(await delivery(8)).toBe('bounced');
  expect(await suppressed(8)).toBe(1);
  const { rows } = await t.c.pool.query<{ source: string; status: string }>('SELECT source, status FROM bounce_events WHERE subscriber_id = $1', [reader(8).subscriberId]);
  expect(rows).toEqual([{ source: 'webhook', status: '5.1.1' }]);
});

test('per-topic figures across sends', async () => {
  const res = await t.fetch('/api/deliverability/topics', { editor: true });
  expect(res.status).toBe(200);
  const { topics } = (await res.json()) as { topics: { topic: string; delivered: number; hard_bounces: number; complaints: number }[] };
  expect(topics.map((x) => x.topic).sort()).toEqual(['ai', 'nev', 'telecom']);
  expect(topics.reduce((n, x) => n + x.hard_bounces, 0)).toBeGreaterThanOrEqual(5);
});
