/**
 * The one outgoing mail transport of a process: pooled SMTP (several connections kept open and
 * reused, which matters far more for throughput than anything else on the send path).
 * It is created once by the composition root, never per request or at import time.
 */
import nodemailer, { type SMTPPoolOptions, type SMTPPoolSentMessageInfo, type Transporter } from 'nodemailer';

export type MailTransport = Transporter<SMTPPoolSentMessageInfo, SMTPPoolOptions>;

export interface TransportOptions {
  /** smtp://user:pass@host:port or smtps://… */
  url: string;
  maxConnections?: number;
  dkim?: { domainName: string; keySelector: string; privateKey: string };
}

/**
 * Headers every DKIM signature must cover. nodemailer's default list leaves out
 * List-Unsubscribe-Post, and mailbox providers ignore one-click unsubscribe (RFC 8058 §4) unless
 * both List-Unsubscribe headers are signed.
 */
export const DKIM_SIGNED_HEADERS = [
  'from', 'sender', 'reply-to', 'subject', 'date', 'message-id', 'to', 'cc', 'mime-version',
  'content-type', 'content-transfer-encoding', 'list-id', 'list-unsubscribe', 'list-unsubscribe-post',
];

export function createMailTransport(opts: TransportOptions): MailTransport {
  const url = new URL(opts.url);
  const options: SMTPPoolOptions & { pool: true } = {
    pool: true,
    host: url.hostname,
    port: Number(url.port) || (url.protocol === 'smtps:' ? 465 : 587),
    secure: url.protocol === 'smtps:',
    maxConnections: opts.maxConnections ?? 5,
    maxMessages: Infinity,
    // A local relay on loopback (the built-in mailbox, a test sink) speaks plain SMTP.
    ignoreTLS: ['127.0.0.1', 'localhost', '::1'].includes(url.hostname),
    auth: url.username
      ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) }
      : undefined,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 60_000,
    dkim: opts.dkim
      ? { ...opts.dkim, headerFieldNames: DKIM_SIGNED_HEADERS.join(':') }
      : undefined,
  };
  return nodemailer.createTransport(options);
}
