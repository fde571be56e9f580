/**
 * A real SMTP server (npm smtp-server) that captures messages for assertions. Per-recipient
 * answers can be scripted (451 to defer, 550 5.1.1 to bounce) to drive failure handling. It never
 * offers STARTTLS; with `offerAuth` it advertises AUTH over plain text anyway (the relay a careless
 * client would send its password to) and records every credential that reaches it.
 */
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';

export interface CapturedMessage {
  from: string;
  to: string[];
  raw: Buffer;
  parsed: ParsedMail;
}

/** Return an SMTP error (code + message) to reject a recipient, or undefined to accept. */
export type RecipientPolicy = (address: string) => { code: number; message: string } | undefined;

export interface SmtpSinkOptions {
  /** Address to listen on and to put in `url` (default 127.0.0.1). */
  host?: string;
  /** Advertise AUTH PLAIN/LOGIN without TLS and record what arrives in `credentials`. */
  offerAuth?: boolean;
}

export class SmtpSink {
  readonly messages: CapturedMessage[] = [];
  /** Every AUTH that reached the sink, password included. */
  readonly credentials: { username: string; password: string }[] = [];
  policy: RecipientPolicy = () => undefined;
  private server!: SMTPServer;
  private waiters: { n: number; resolve: () => void }[] = [];
  port = 0;
  private readonly host: string;

  constructor(private readonly opts: SmtpSinkOptions = {}) {
    this.host = opts.host ?? '127.0.0.1';
  }

  get url(): string {
    return `smtp://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      // smtp-server hides AUTH on a plain connection unless told otherwise.
      allowInsecureAuth: this.opts.offerAuth ?? false,
      authMethods: ['PLAIN', 'LOGIN'],
      logger: false,
      size: 20 * 1024 * 1024,
      onAuth: (auth, _session, cb) => {
        this.credentials.push({ username: auth.username ?? '', password: auth.password ?? '' });
        cb(null, { user: 'test' });
      },
      onRcptTo: (address, _session, cb) => {
        const answer = this.policy(address.address);
        if (answer) return cb(Object.assign(new Error(answer.message), { responseCode: answer.code }));
        cb();
      },
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks);
          simpleParser(raw).then(
            (parsed) => {
              this.messages.push({
                from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                to: session.envelope.rcptTo.map((r) => r.address),
                raw,
                parsed,
              });
              this.waiters = this.waiters.filter((w) => (this.messages.length >= w.n ? (w.resolve(), false) : true));
              cb();
            },
            (err: Error) => cb(err),
          );
        });
      },
    });
    await new Promise<void>((resolve) => this.server.listen(0, this.host, resolve));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  /** Resolves once at least n messages have arrived; rejects after timeoutMs. */
  waitFor(n: number, timeoutMs = 15000): Promise<CapturedMessage[]> {
    if (this.messages.length >= n) return Promise.resolve(this.messages);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`SMTP sink: expected ${n} messages, got ${this.messages.length}`)),
        timeoutMs,
      );
      this.waiters.push({
        n,
        resolve: () => {
          clearTimeout(timer);
          resolve(this.messages);
        },
      });
    });
  }

  to(address: string): CapturedMessage[] {
    return this.messages.filter((m) => m.to.includes(address));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
