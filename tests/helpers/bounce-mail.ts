/**
 * The other direction of the deliverability tests: mail sent TO Tidings' bounce receiver over real
 * SMTP (nodemailer, as a remote MTA would), and the deliveries a real send produced (read from the
 * SMTP sink: the envelope sender is each message's VERP address).
 */
import net from 'node:net';
import nodemailer from 'nodemailer';
import type { TestApp } from './app';
import { fixtureText } from './deliverability';

/** A free loopback port (INBOUND_SMTP_PORT has no "any port" value: 0 means off). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface SmtpAnswer {
  ok: boolean;
  code: number | undefined;
  response: string;
}

/** Sends raw octets to the receiver as a remote MTA would: MAIL FROM the daemon, RCPT TO `to`. */
export async function sendToReceiver(port: number, to: string, raw: Buffer | string): Promise<SmtpAnswer> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, connectionTimeout: 5000, socketTimeout: 10_000 });
  try {
    const info = await transport.sendMail({ envelope: { from: 'MAILER-DAEMON@mx.remote.test', to: [to] }, raw });
    return { ok: true, code: 250, response: info.response };
  } catch (err) {
    const e = err as { responseCode?: number; response?: string; message: string };
    return { ok: false, code: e.responseCode, response: e.response ?? e.message };
  } finally {
    transport.close();
  }
}

/** An .eml fixture for one real delivery: its VERP address and Message-ID filled in, CRLF endings. */
export function reportFor(name: string, d: { verp: string; messageId: string; email: string }): Buffer {
  const text = fixtureText(name).replaceAll('{{VERP}}', d.verp).replaceAll('{{MESSAGE_ID}}', d.messageId).replaceAll('reader@example.com', d.email);
  return Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'utf8');
}

/** A provider JSON fixture for one real delivery. */
export function providerFixture(name: string, d: { verp: string; messageId: string; email: string }): string {
  return fixtureText(name)
    .replaceAll('{{VERP}}', d.verp)
    .replaceAll('{{MESSAGE_ID_BARE}}', d.messageId.slice(1, -1))
    .replaceAll('{{MESSAGE_ID}}', d.messageId)
    .replaceAll('reader@example.com', d.email);
}

export interface SentDelivery {
  email: string;
  verp: string;
  messageId: string;
  sendId: number;
  subscriberId: number;
}

/** What the sink received for `sendId`, per reader address (the envelope sender verified as VERP). */
export function deliveriesOf(t: TestApp, sendId: number): Map<string, SentDelivery> {
  const out = new Map<string, SentDelivery>();
  for (const m of t.sink!.messages) {
    const v = t.c.deliverability.verp!.verifyAddress(m.from);
    if (!v || v.ref.kind !== 'delivery' || v.ref.sendId !== sendId) continue;
    out.set(m.to[0]!, { email: m.to[0]!, verp: m.from, messageId: `<${m.parsed.messageId!.replace(/^<|>$/g, '')}>`, sendId, subscriberId: v.ref.subscriberId });
  }
  return out;
}

export async function count(t: TestApp, sql: string, params: unknown[] = []): Promise<number> {
  return (await t.c.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM (${sql}) x`, params)).rows[0]!.n;
}
