/**
 * The one outgoing mail transport of a process: pooled SMTP (several connections kept open and
 * reused, which matters far more for throughput than anything else on the send path).
 * It is created once by the composition root, never per request or at import time.
 */
import nodemailer, { type SendMailOptions, type SMTPPoolOptions, type SMTPPoolSentMessageInfo } from 'nodemailer';
import { smtpTarget, tlsRefusal } from './smtp-options';

/** What the rest of the code needs from the transport: send, and close at shutdown. */
export interface MailTransport {
  sendMail(mail: SendMailOptions): Promise<SMTPPoolSentMessageInfo>;
  close(): void;
}

export interface TransportOptions {
  /** smtp://user:pass@host:port or smtps://… */
  url: string;
  /** SMTP_INSECURE=1: credentials may go to a non-loopback host without TLS (default false). */
  allowInsecureAuth?: boolean;
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
  const target = smtpTarget(opts.url, { allowInsecureAuth: opts.allowInsecureAuth ?? false });
  const options: SMTPPoolOptions & { pool: true } = {
    pool: true,
    ...target,
    maxConnections: opts.maxConnections ?? 5,
    maxMessages: Infinity,
    dkim: opts.dkim
      ? { ...opts.dkim, headerFieldNames: DKIM_SIGNED_HEADERS.join(':') }
      : undefined,
  };
  const transport = nodemailer.createTransport(options);
  return {
    // Callers (transactional worker, test send) log or show the message: a refusal to log in
    // without TLS says so, instead of nodemailer's bare "Error upgrading connection with STARTTLS".
    sendMail: (mail) =>
      transport.sendMail(mail).catch((err: Error & { code?: string }) => {
        const reason = tlsRefusal(target, err);
        if (reason) err.message = reason;
        throw err;
      }),
    close: () => transport.close(),
  };
}
