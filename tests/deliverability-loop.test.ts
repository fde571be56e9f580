/**
 * The deliverability loop on the real stack, SMTP both ways: Tidings sends issues to the SMTP sink
 * with VERP envelope senders; the test then sends DSNs and ARF reports to Tidings' own bounce
 * receiver (INBOUND_SMTP_PORT) as a remote MTA would, and checks what changed in Postgres, in the
 * next issue's deliveries, in the report and in progress.
 */
import { BounceReceiver } from '../src/deliverability/receiver';
import { emailHash } from '../src/subscribers/email-hash';
import { startTestApp, type TestApp } from './helpers/app';
import { count, deliveriesOf, freePort, reportFor, sendToReceiver, type SentDelivery } from './helpers/bounce-mail';
import { createIssue, insertReaders, progress, readerEmail, waitForStatus, waitUntil, tallyDrift } from './helpers/delivery';
import { mailTo } from './helpers/readers';

let t: TestApp;
let port: number;
const BOUNCE_DOMAIN = 'bounces.tidings.test';

beforeAll(async () => {
  port = await freePort();
  t = await startTestApp({
    env: {
      BOUNCE_DOMAIN, INBOUND_SMTP_PORT: String(port), INBOUND_SMTP_HOST: '127.0.0.1', INBOUND_SMTP_MAX_BYTES: '65536',
      SOFT_BOUNCE_LIMIT: '3', COMPLAINT_PAUSE_PERCENT: '30', COMPLAINT_MIN_DELIVERED: '8',
      SEND_RECONCILE_INTERVAL_MS: '300', SEND_RETRY_BASE_MS: '600000',
    },
  });
  await insertReaders(t.c.pool, 6);
}, 60_000);
afterAll(async () => {
  await t?.close();
});

/** Creates and sends an issue, waits for `statuses`, returns its send's deliveries by address. */
async function sendIssue(slug: string, statuses = ['completed']): Promise<{ issueId: number; sendId: number; sent: Map<string, SentDelivery> }> {
  const issueId = await createIssue(t, slug);
  const res = await t.fetch(`/api/issues/${issueId}/send`, { method: 'POST', editor: true });
  expect(res.status).toBe(202);
  const p = await waitForStatus(t, issueId, statuses, 30_000);
  return { issueId, sendId: p.send_id, sent: deliveriesOf(t, p.send_id) };
}

const suppressed = (email: string) => count(t, 'SELECT 1 FROM suppressions WHERE email_hash = $1', [emailHash(email)]);
const events = () => count(t, 'SELECT 1 FROM bounce_events');

let first: Awaited<ReturnType<typeof sendIssue>>;

test('newsletters go out with a VERP envelope sender per delivery', async () => {
  first = await sendIssue('dlv-first');
  expect(first.sent.size).toBe(6);
  for (const d of first.sent.values()) expect(d.verp).toMatch(new RegExp(`^bounces\\+d\\.[0-9a-z]+\\.[0-9a-z]+\\.[a-z2-7]{20}@${BOUNCE_DOMAIN.replaceAll('.', '\\.')}$`));
});

test('DSN 5.1.1 for 3 delivered readers → bounced, suppressed; a replay changes nothing', async () => {
  for (const i of [1, 2, 3]) {
    const d = first.sent.get(readerEmail(i))!;
    const answer = await sendToReceiver(port, d.verp, reportFor('dsn-postfix-hard.eml', d));
    expect(answer).toMatchObject({ ok: true, code: 250 });
  }
  for (const i of [1, 2, 3]) expect(await suppressed(readerEmail(i))).toBe(1);
  expect(await count(t, "SELECT 1 FROM deliveries WHERE send_id = $1 AND status = 'bounced'", [first.sendId])).toBe(3);
  const before = await events();
  const d1 = first.sent.get(readerEmail(1))!;
  expect((await sendToReceiver(port, d1.verp, reportFor('dsn-postfix-hard.eml', d1))).ok).toBe(true);
  expect(await events()).toBe(before);
  expect((await progress(t, first.issueId)).bounced).toBe(3);
});

test('a forged token, another domain, a plain address: 550 at RCPT, nothing changed', async () => {
  const d = first.sent.get(readerEmail(6))!;
  const forged = d.verp.replace(/\.([a-z2-7]{20})@/, (_m, mac: string) => `.${mac[0] === 'a' ? 'b' : 'a'}${mac.slice(1)}@`);
  const before = await events();
  for (const to of [forged, d.verp.replace(BOUNCE_DOMAIN, 'other.test'), `postmaster@${BOUNCE_DOMAIN}`]) {
    const answer = await sendToReceiver(port, to, reportFor('dsn-postfix-hard.eml', d));
    expect(answer.ok).toBe(false);
    expect(answer.code).toBe(550);
  }
  expect(await events()).toBe(before);
  expect(await suppressed(readerEmail(6))).toBe(0);
});

test('oversized and malformed reports get clear SMTP answers and suppress nobody', async () => {
  const d = first.sent.get(readerEmail(6))!;
  const huge = await sendToReceiver(port, d.verp, Buffer.concat([reportFor('dsn-postfix-hard.eml', d), Buffer.alloc(70_000, 'x')]));
  expect(huge).toMatchObject({ ok: false, code: 552 });
  const nested = `Content-Type: multipart/mixed; boundary=b\r\n\r\n${'--b\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n'.repeat(500)}`;
  expect((await sendToReceiver(port, d.verp, nested)).ok).toBe(true);
  expect(await suppressed(readerEmail(6))).toBe(0);
  const kept = await t.c.pool.query<{ classification: string; raw: Buffer | null }>('SELECT classification, raw FROM inbound_reports ORDER BY id DESC LIMIT 1');
  expect(kept.rows[0]!.classification).toBe('malformed');
  expect(kept.rows[0]!.raw).not.toBeNull();
});

test('ARF abuse for 2 readers → unsubscribed (consent ledger), suppressed, complaints counted', async () => {
  for (const i of [4, 5]) {
    const d = first.sent.get(readerEmail(i))!;
    expect((await sendToReceiver(port, d.verp, reportFor('arf-abuse.eml', d))).ok).toBe(true);
  }
  for (const i of [4, 5]) {
    const d = first.sent.get(readerEmail(i))!;
    const { rows } = await t.c.pool.query<{ status: string }>('SELECT status FROM subscribers WHERE id = $1', [d.subscriberId]);
    expect(rows[0]!.status).toBe('unsubscribed');
    expect(await count(t, "SELECT 1 FROM consent_events WHERE subscriber_id = $1 AND kind = 'unsubscribed' AND source = 'complaint'", [d.subscriberId])).toBe(1);
    expect(await suppressed(readerEmail(i))).toBe(1);
  }
  const res = await t.fetch(`/api/issues/${first.issueId}/send/report`, { editor: true });
  const report = (await res.json()) as { deliverability: { complaints: number; hard_bounces: number; delivered: number; complaint_rate: number; topics: unknown[] } };
  expect(report.deliverability).toMatchObject({ complaints: 2, hard_bounces: 3, delivered: 6, complaint_rate: 33.33 });
  expect(report.deliverability.topics.length).toBeGreaterThan(0);
});

test('DSN 4.2.2 on three consecutive issues → suppressed only at the third; the next issue skips bounced readers', async () => {
  const six = readerEmail(6);
  const soft = async (sent: Map<string, SentDelivery>) => {
    const d = sent.get(six)!;
    expect((await sendToReceiver(port, d.verp, reportFor('dsn-delayed.eml', d))).ok).toBe(true);
  };
  await soft(first.sent);
  expect(await suppressed(six)).toBe(0);
  const second = await sendIssue('dlv-second');
  // Readers 1–3 (hard bounces) and 4–5 (complaints) are not mailed again.
  expect([...second.sent.keys()]).toEqual([six]);
  await soft(second.sent);
  expect(await suppressed(six)).toBe(0);
  const third = await sendIssue('dlv-third');
  await soft(third.sent);
  expect(await suppressed(six)).toBe(1);
  const history = await t.fetch(`/api/subscribers/${third.sent.get(six)!.subscriberId}/export`, { editor: true });
  expect(history.status).toBe(200);
  expect(((await history.json()) as { bounces: unknown[] }).bounces).toHaveLength(3);
});

test('complaint rate above COMPLAINT_PAUSE_PERCENT → the running send pauses with the reason; a warning first', async () => {
  await insertReaders(t.c.pool, 10, { from: 100, domain: 'fbl.test' });
  // One reader is deferred (451, retried in 10 minutes), so the send is still running.
  t.sink!.policy = (a) => (a === readerEmail(100, 'fbl.test') ? { code: 451, message: '4.2.2 mailbox busy' } : undefined);
  const run = await sendIssue('dlv-breaker', ['sending', 'completed']);
  await waitUntil(async () => (await progress(t, run.issueId)).sent === 9 || undefined, 20_000, '9 delivered');
  const sent = deliveriesOf(t, run.sendId);
  const complain = async (i: number) => {
    const d = sent.get(readerEmail(i, 'fbl.test'))!;
    expect((await sendToReceiver(port, d.verp, reportFor('arf-abuse.eml', d))).ok).toBe(true);
  };
  await complain(101); // 1 of 9: 11% (a third of 30% is 10%) → warning
  expect((await progress(t, run.issueId)).complaint_warning).toMatch(/complaint rate/);
  // A feedback loop that writes to one fixed address: matched by the echoed Message-ID / VERP.
  const d102 = sent.get(readerEmail(102, 'fbl.test'))!;
  expect((await sendToReceiver(port, `fbl@${BOUNCE_DOMAIN}`, reportFor('arf-abuse.eml', d102))).ok).toBe(true);
  expect(await count(t, "SELECT 1 FROM bounce_events WHERE subscriber_id = $1 AND type = 'complaint'", [d102.subscriberId])).toBe(1);
  expect((await progress(t, run.issueId)).status).toBe('sending');
  await complain(103); // 3 of 9 = 33% > 30%
  const p = await progress(t, run.issueId);
  expect(p.status).toBe('paused');
  expect(p.pause_reason).toMatch(/complaint rate over 30%: 3 complaints of 9 delivered/);
  t.sink!.policy = () => undefined;
});

test('transactional mail has its own token kind; a DSN to it suppresses the address', async () => {
  const email = 'new.reader@example.test';
  const res = await t.fetch('/api/subscriptions', { method: 'POST', json: { email, topics: ['ai'] } });
  expect(res.status).toBe(202);
  const msg = await mailTo(t, email, 1);
  const v = t.c.deliverability.verp!.verifyAddress(msg.from);
  expect(v?.ref.kind).toBe('transactional');
  const d = { verp: msg.from, messageId: '<unused@example.test>', email };
  expect((await sendToReceiver(port, msg.from, reportFor('dsn-postfix-hard.eml', d))).ok).toBe(true);
  expect(await suppressed(email)).toBe(1);
});

test('a flood from one client: 450 past the per-client limit, the receiver keeps answering, nothing recorded twice', async () => {
  // A second receiver on the same container, with a limit of 3 messages a minute.
  const receiver = new BounceReceiver({
    pool: t.c.pool, queries: t.c.queries, log: t.c.log, verp: t.c.deliverability.verp!, service: t.c.deliverability.service, rateLimiter: t.c.rateLimiter,
    options: { domain: BOUNCE_DOMAIN, port: 0, host: '127.0.0.1', maxBytes: 65536, ratePerMinute: 3, rateBucket: 'inbound-smtp-flood-test' },
  });
  await receiver.start();
  try {
    const d = first.sent.get(readerEmail(1))!;
    const before = await events();
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await sendToReceiver(receiver.port, d.verp, reportFor('dsn-postfix-hard.eml', d)));
    expect(answers.map((a) => a.code)).toEqual([250, 250, 250, 450, 450, 450]);
    expect(await events()).toBe(before);
    expect((await t.fetch('/healthz')).status).toBe(200);
  } finally {
    await receiver.stop();
  }
});

test('every send above: the tallies behind the counts match the ledger row for row (migration 028)', async () => {
  expect(await tallyDrift(t.c.pool)).toEqual([]);
  const sends = await t.c.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM delivery_tallies');
  expect(sends.rows[0]!.n).toBeGreaterThan(0);
});
