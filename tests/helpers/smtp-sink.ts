/**
 * A real SMTP server (npm smtp-server) that captures messages for assertions. Per-recipient
 * answers can be scripted (451 to defer, 550 5.1.1 to bounce) to drive failure handling.
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

export class SmtpSink {
  readonly messages: CapturedMessage[] = [];
  policy: RecipientPolicy = () => undefined;
  private server!: SMTPServer;
  private waiters: { n: number; resolve: () => void }[] = [];
  port = 0;

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      size: 20 * 1024 * 1024,
      onAuth: (_auth, _session, cb) => cb(null, { user: 'test' }),
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
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
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
