/**
 * Issue 11, item 5: SMTP credentials never travel in clear. The relay is a real smtp-server that
 * offers AUTH without STARTTLS and records every password that reaches it, listening on 127.0.0.2:
 * loopback as far as the kernel is concerned, but not one of the exempt hosts (localhost,
 * 127.0.0.1, ::1), so Tidings must treat it as a relay across a network.
 */
import { createMailTransport } from '../src/mail/transport';
import { SmtpPool } from '../src/sending/smtp-pool';
import { startTestApp, type TestApp } from './helpers/app';
import { createIssue, insertReaders, waitForStatus } from './helpers/delivery';
import { SmtpSink } from './helpers/smtp-sink';

const PASSWORD = 'pa55-never-in-clear';
const message = (to: string) => ({ from: 'news@example.org', to, subject: 'hello', text: 'hello' });

describe('a relay on a non-exempt host that offers AUTH without STARTTLS', () => {
  let relay: SmtpSink;
  let t: TestApp;
  beforeAll(async () => {
    relay = await new SmtpSink({ host: '127.0.0.2', offerAuth: true }).start();
    t = await startTestApp({
      sink: relay,
      env: { SMTP_URL: `smtp://tidings:${PASSWORD}@127.0.0.2:${relay.port}`, SEND_RECONCILE_INTERVAL_MS: '300' },
    });
    await insertReaders(t.c.pool, 3);
  }, 30_000);
  afterAll(async () => {
    await t?.close();
    await relay?.stop();
  });

  test('a newsletter send fails with a clear reason, the breaker pauses it, and the password never arrives', async () => {
    const issueId = await createIssue(t, 'tls-required');
    expect((await t.fetch(`/api/issues/${issueId}/send`, { method: 'POST', editor: true })).status).toBe(202);
    const paused = await waitForStatus(t, issueId, ['paused'], 20_000);
    expect(paused.pause_reason).toMatch(/credentials go only over TLS/);
    expect(paused.pause_reason).toMatch(/SMTP_INSECURE=1/);
    expect(paused.sent).toBe(0);
    const { rows } = await t.c.pool.query<{ status: string; error: string | null }>(
      'SELECT status, error FROM deliveries WHERE send_id = $1',
      [paused.send_id],
    );
    expect(rows.length).toBe(3);
    // Waiting for a resume (after the operator fixed SMTP_URL), not failed or lost.
    expect(rows.some((r) => r.status === 'pending' && /TLS/.test(r.error ?? ''))).toBe(true);
    expect(rows.every((r) => r.status === 'pending')).toBe(true);
    expect(relay.credentials).toEqual([]);
    expect(relay.messages).toEqual([]);
  }, 30_000);

  test('a test email (the pooled transport) is refused with the same reason', async () => {
    const issueId = await createIssue(t, 'tls-required-test');
    const res = await t.fetch(`/api/issues/${issueId}/test`, { method: 'POST', editor: true, json: { to: 'editor@example.org' } });
    expect(res.status).toBe(503);
    expect((await res.json()).error.message).toMatch(/credentials go only over TLS.*SMTP_INSECURE=1/);
    expect(relay.credentials).toEqual([]);
  });

  test('SMTP_INSECURE=1 lets the operator send credentials in clear on purpose', async () => {
    const url = `smtp://tidings:${PASSWORD}@127.0.0.2:${relay.port}`;
    const transport = createMailTransport({ url, allowInsecureAuth: true });
    const pool = new SmtpPool({ url, allowInsecureAuth: true, maxConnections: 1 });
    try {
      await transport.sendMail(message('a@example.org'));
      const raw = Buffer.from('From: news@example.org\r\nTo: b@example.org\r\nSubject: x\r\n\r\nbody\r\n');
      expect((await pool.send('news@example.org', 'b@example.org', raw)).kind).toBe('sent');
      expect(relay.credentials).toEqual([
        { username: 'tidings', password: PASSWORD },
        { username: 'tidings', password: PASSWORD },
      ]);
    } finally {
      transport.close();
      pool.close();
      relay.credentials.length = 0;
    }
  });
});

test('the exempt loopback hosts (127.0.0.1, ::1) may take credentials without TLS', async () => {
  for (const host of ['127.0.0.1', '::1']) {
    const relay = await new SmtpSink({ host, offerAuth: true }).start();
    const url = relay.url.replace('smtp://', `smtp://tidings:${PASSWORD}@`);
    const transport = createMailTransport({ url });
    const pool = new SmtpPool({ url, maxConnections: 1 });
    try {
      await transport.sendMail(message('a@example.org'));
      const raw = Buffer.from('From: news@example.org\r\nTo: b@example.org\r\nSubject: x\r\n\r\nbody\r\n');
      expect((await pool.send('news@example.org', 'b@example.org', raw)).kind).toBe('sent');
      expect(relay.credentials).toHaveLength(2);
    } finally {
      transport.close();
      pool.close();
      await relay.stop();
    }
  }
});
