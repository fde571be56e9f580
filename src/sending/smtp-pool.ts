/**
 * A small pool of SMTP connections for newsletter delivery. nodemailer's pooled transport cannot
 * tell us whether a failed message had already been handed to the server, and that is the one
 * thing delivery must know: before the body was handed over a failure is safe to retry, after it
 * the server may have accepted the message (`uncertain`). Driving nodemailer's SMTPConnection
 * directly, the message is a stream that the connection only starts reading once the server has
 * accepted the envelope and answered DATA, so "has the body been read" is exact.
 */
import DKIM from 'nodemailer/lib/dkim';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { smtpTarget, tlsRefusal, type SmtpTarget } from '../mail/smtp-options';
import { DKIM_SIGNED_HEADERS } from '../mail/transport';
import { BodyStream } from './body-stream';
import { installFastStuffing } from './data-stuffing';

export type SmtpResult =
  | { kind: 'sent'; response: string }
  /** The server refused with a 4xx, or nothing of the message reached it: safe to retry. */
  | { kind: 'transient'; code: number | undefined; error: string }
  | { kind: 'permanent'; code: number; error: string; hardBounce: boolean }
  /** The body was handed over and no final answer arrived: the server may have accepted it. */
  | { kind: 'uncertain'; error: string }
  /** The relay refused the credentials, or they could not be sent safely (no TLS): pause the send. */
  | { kind: 'auth'; error: string };

export interface SmtpPoolOptions {
  url: string;
  /** SMTP_INSECURE=1 (src/mail/smtp-options.ts); default false. */
  allowInsecureAuth?: boolean;
  maxConnections: number;
  dkim?: { domainName: string; keySelector: string; privateKey: string } | undefined;
}

interface Conn {
  c: SMTPConnection;
  broken: boolean;
}

interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
}

function describe(err: SmtpError): string {
  return (err.response ?? err.message ?? String(err)).slice(0, 300);
}

/** RFC 3463: 5.1.x is a bad destination mailbox/address (a hard bounce). */
function isHardBounce(err: SmtpError): boolean {
  return /\b5\.1\.\d{1,3}\b/.test(err.response ?? err.message ?? '');
}

/**
 * A message, or a function that builds it: built only once a connection is free, so a chunk of 50
 * recipients holds a handful of finished messages at a time, not 50.
 */
export type MessageSource = Buffer | readonly Buffer[] | (() => Buffer | readonly Buffer[]);

export interface SmtpLane {
  /** Connects if needed; undefined when a connection is ready, else why not (auth or transient). */
  ready(): Promise<SmtpResult | undefined>;
  /**
   * Sends one message on the lane's connection, replacing a broken one first; never throws. With a
   * gate, the body waits for it after the server answered DATA (the envelope goes meanwhile), and
   * a gate that says no (or fails) drops the session before the body: the result is then transient.
   */
  send(from: string, to: string, source: MessageSource, gate?: Promise<boolean>): Promise<SmtpResult>;
  /** Gives the connection back to the pool (closed if broken). */
  release(): void;
}

let warnedSlowStuffing = false;

export class SmtpPool {
  private readonly idle: Conn[] = [];
  private open = 0;
  private readonly waiters: ((c: Conn | Error) => void)[] = [];
  private readonly target: SmtpTarget;
  private readonly dkim: DKIM | undefined;
  private closed = false;

  constructor(private readonly opts: SmtpPoolOptions) {
    this.target = smtpTarget(opts.url, { allowInsecureAuth: opts.allowInsecureAuth ?? false });
    this.dkim = opts.dkim ? new DKIM({ ...opts.dkim, headerFieldNames: DKIM_SIGNED_HEADERS.join(':') }) : undefined;
  }

  private connect(): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const { auth, ...options } = this.target;
      const c = new SMTPConnection(options);
      if (!installFastStuffing(c) && !warnedSlowStuffing) {
        warnedSlowStuffing = true;
        process.emitWarning('nodemailer changed SMTPConnection internals: using its byte-by-byte DATA stuffing (slower)');
      }
      const conn: Conn = { c, broken: false };
      let settled = false;
      const fail = (err: Error) => {
        conn.broken = true;
        if (!settled) {
          settled = true;
          c.close();
          reject(err);
        }
      };
      // Errors of an idle or busy connection also reach the send callback; here they only mark it.
      c.on('error', fail);
      c.once('end', () => {
        conn.broken = true;
        if (!settled) fail(new Error('connection closed during greeting'));
      });
      c.connect((err) => {
        if (err) return fail(err);
        if (!auth) {
          settled = true;
          return resolve(conn);
        }
        // requireTLS already stopped a plain session before this point; checked again here so
        // that no future option change can put the password on the wire in clear.
        if (this.target.requireTLS && !c.secure) return fail(Object.assign(new Error('the session is not encrypted'), { code: 'ETLS' }));
        c.login(auth, (loginErr) => {
          if (loginErr) return fail(loginErr);
          settled = true;
          resolve(conn);
        });
      });
    });
  }

  private async acquire(): Promise<Conn> {
    if (this.closed) throw new Error('pool closed');
    for (;;) {
      const conn = this.idle.pop();
      if (!conn) break;
      if (!conn.broken) return conn;
      this.open--;
    }
    if (this.open < this.opts.maxConnections) {
      this.open++;
      try {
        return await this.connect();
      } catch (err) {
        this.open--;
        this.wakeOne();
        throw err;
      }
    }
    return new Promise<Conn>((resolve, reject) => {
      this.waiters.push((c) => (c instanceof Error ? reject(c) : resolve(c)));
    }).catch(() => this.acquire());
  }

  private wakeOne(): void {
    const w = this.waiters.shift();
    if (w) w(new Error('retry'));
  }

  private release(conn: Conn): void {
    if (conn.broken || this.closed) {
      this.open--;
      conn.c.close();
      this.wakeOne();
      return;
    }
    const w = this.waiters.shift();
    if (w) w(conn);
    else this.idle.push(conn);
  }

  private async sign(message: Buffer | readonly Buffer[]): Promise<readonly Buffer[]> {
    if (!this.dkim) return Buffer.isBuffer(message) ? [message] : message;
    const chunks: Buffer[] = [];
    for await (const chunk of this.dkim.sign(Buffer.isBuffer(message) ? message : Buffer.concat(message))) chunks.push(chunk as Buffer);
    return chunks;
  }

  /** Sends one message on a connection of its own; never throws, the result says what happened. */
  async send(from: string, to: string, source: MessageSource): Promise<SmtpResult> {
    const lane = this.lane();
    try {
      return await lane.send(from, to, source);
    } finally {
      lane.release();
    }
  }

  /**
   * A lane holds one connection (one of the pool's `maxConnections` slots) across several messages,
   * so its caller can record each reply before the same connection starts the next message: at
   * any moment a lane has at most one message whose outcome is unknown (src/sending/deliver.ts).
   */
  lane(): SmtpLane {
    let conn: Conn | undefined;
    const ready = async (): Promise<Conn | SmtpResult> => {
      if (conn && !conn.broken) return conn;
      if (conn) this.release(conn);
      conn = undefined;
      try {
        conn = await this.acquire();
        return conn;
      } catch (e) {
        return this.connectFailure(e as SmtpError);
      }
    };
    return {
      ready: async () => {
        const c = await ready();
        return 'c' in c ? undefined : c;
      },
      send: async (from, to, source, gate) => {
        const c = await ready();
        return 'c' in c ? this.sendOn(c, from, to, source, gate) : c;
      },
      release: () => {
        if (conn) this.release(conn);
        conn = undefined;
      },
    };
  }

  private connectFailure(err: SmtpError): SmtpResult {
    const refusal = tlsRefusal(this.target, err);
    if (refusal) return { kind: 'auth', error: refusal };
    if (err.code === 'EAUTH' || err.responseCode === 535) return { kind: 'auth', error: describe(err) };
    return { kind: 'transient', code: err.responseCode, error: describe(err) };
  }

  /** One message on a held connection; the connection is left clean (RSET) or marked broken. */
  private async sendOn(conn: Conn, from: string, to: string, source: MessageSource, gate?: Promise<boolean>): Promise<SmtpResult> {
    let signed: readonly Buffer[];
    try {
      signed = await this.sign(typeof source === 'function' ? source() : source);
    } catch (e) {
      // Nothing reached the server: the connection is still clean, and the row can be retried.
      return { kind: 'transient', code: undefined, error: `message could not be built: ${describe(e as SmtpError)}` };
    }
    const body = new BodyStream(signed, gate);
    return new Promise<SmtpResult>((resolve) => {
      const size = signed.reduce((n, c) => n + c.length, 0);
      conn.c.send({ from, to: [to], size }, body, (e, info) => {
        if (!e) return resolve({ kind: 'sent', response: info?.response ?? '' });
        const err = e as SmtpError;
        const code = err.responseCode;
        const result: SmtpResult =
          code && code >= 500
            ? { kind: 'permanent', code, error: describe(err), hardBounce: isHardBounce(err) }
            : code && code >= 400
              ? { kind: 'transient', code, error: describe(err) }
              : body.started
                ? { kind: 'uncertain', error: describe(err) }
                : { kind: 'transient', code: undefined, error: describe(err) };
        if (code && code >= 400 && code < 600 && code !== 421) {
          // A definite answer from a live session: reset it (before the lane's next message) and keep it.
          conn.c.reset((resetErr) => {
            if (resetErr) conn.broken = true;
            resolve(result);
          });
        } else {
          conn.broken = true;
          resolve(result);
        }
      });
    });
  }

  close(): void {
    this.closed = true;
    for (const conn of this.idle.splice(0)) conn.c.close();
    for (const w of this.waiters.splice(0)) w(new Error('pool closed'));
  }
}

/** The pool, opened on first use (an API-only process never connects to the relay). */
export class LazySmtpPool {
  private pool: SmtpPool | undefined;

  constructor(private readonly opts: SmtpPoolOptions) {}

  get = (): SmtpPool => (this.pool ??= new SmtpPool(this.opts));

  close(): void {
    this.pool?.close();
    this.pool = undefined;
  }
}
