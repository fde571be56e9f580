/**
 * Where and how Tidings talks SMTP, from SMTP_URL: the one place that decides the TLS policy for
 * both outgoing paths (nodemailer's pooled transport for transactional mail, the delivery engine's
 * own pool for newsletters).
 *
 * Credentials travel only over TLS: implicit TLS (`smtps://`) or STARTTLS, which is then required
 * — a relay that does not offer it, or whose upgrade fails, never sees the AUTH command. Without
 * `requireTLS` nodemailer would log in over plain text whenever the relay offers no STARTTLS, and a
 * man in the middle only has to strip that one line from the EHLO answer. Exempt are the loopback
 * hosts (a relay on this machine, the built-in mailbox, test sinks) and an explicit SMTP_INSECURE=1.
 */

/** Hosts that never leave this machine, spelled exactly as SMTP_URL may name them. */
export const LOOPBACK_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '::1'];

export interface SmtpTarget {
  host: string;
  port: number;
  secure: boolean;
  /** Loopback relays speak plain SMTP: STARTTLS is not even tried. */
  ignoreTLS: boolean;
  /** Credentials present and not exempt: STARTTLS must succeed before anything else is sent. */
  requireTLS: boolean;
  auth: { user: string; pass: string } | undefined;
  connectionTimeout: number;
  greetingTimeout: number;
  socketTimeout: number;
}

export function smtpTarget(smtpUrl: string, opts: { allowInsecureAuth: boolean }): SmtpTarget {
  const url = new URL(smtpUrl);
  // URL keeps IPv6 literals in brackets ("[::1]"); sockets and the loopback list want them bare.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const secure = url.protocol === 'smtps:';
  const loopback = LOOPBACK_HOSTS.includes(host);
  const auth = url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined;
  return {
    host,
    port: Number(url.port) || (secure ? 465 : 587),
    secure,
    ignoreTLS: loopback,
    requireTLS: !!auth && !secure && !loopback && !opts.allowInsecureAuth,
    auth,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 60_000,
  };
}

/**
 * The reason to show when a connection that had to become TLS did not: nodemailer says only
 * "Error upgrading connection with STARTTLS". Undefined for any other error.
 */
export function tlsRefusal(target: SmtpTarget, err: { code?: string; message?: string }): string | undefined {
  if (!target.requireTLS) return undefined;
  if (err.code !== 'ETLS' && !/STARTTLS/.test(err.message ?? '')) return undefined;
  return (
    `${target.host}:${target.port} did not start TLS and credentials go only over TLS: ` +
    `use smtps://, a relay that offers STARTTLS, or SMTP_INSECURE=1 (${(err.message ?? '').slice(0, 100)})`
  );
}
