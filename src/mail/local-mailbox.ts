/**
 * The built-in local mailbox: when SMTP_URL is unset the service starts a real SMTP server on a
 * loopback port and sends to it through the same pooled transport it would use for a relay. Every
 * message is stored in Postgres (mailbox_messages) and shown at /dev/mailbox, so a new user sees the
 * exact bytes readers would receive without any mail account. It accepts connections from loopback
 * only and never relays anything onwards.
 */
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import type { Pool } from '../db/pool';
import type { Queries } from '../db/queries';
import type { Logger } from '../logger';
import { listenProblem } from '../startup-errors';

const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

export class LocalMailbox {
  private server: SMTPServer | undefined;
  private boundPort = 0;

  constructor(
    private readonly pool: Pool,
    private readonly queries: Queries,
    private readonly log: Logger,
  ) {}

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.boundPort}`;
  }

  async start(port = 0): Promise<void> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      size: MAX_MESSAGE_BYTES,
      logger: false,
      banner: 'Tidings local mailbox',
      onConnect: (session, cb) => {
        const ip = session.remoteAddress.replace(/^::ffff:/, '');
        if (ip === '127.0.0.1' || ip === '::1') return cb();
        return cb(new Error('the local mailbox accepts loopback connections only'));
      },
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) {
            return cb(Object.assign(new Error('message too large'), { responseCode: 552 }));
          }
          const raw = Buffer.concat(chunks);
          const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
          const to = session.envelope.rcptTo.map((r) => r.address);
          this.store(from, to, raw).then(
            () => cb(),
            (err: Error) => {
              this.log.error({ err }, 'local mailbox could not store a message');
              cb(Object.assign(new Error('temporary failure storing message'), { responseCode: 451 }));
            },
          );
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(listenProblem(err, port, 'MAILBOX_SMTP_PORT')));
      server.listen(port, '127.0.0.1', () => resolve());
    });
    // Registered once listening: a failure to listen is the start-up error above, not a log line.
    server.on('error', (err) => this.log.warn({ err }, 'local mailbox SMTP error'));
    this.boundPort = (server.server.address() as AddressInfo).port;
    this.server = server;
  }

  private async store(from: string, to: string[], raw: Buffer): Promise<void> {
    const subject = /^Subject: ?(.*(?:\r?\n[ \t].*)*)/im.exec(raw.subarray(0, 16384).toString('utf8'));
    await this.pool.query(this.queries.sql('mailbox-insert'), [
      from,
      to,
      subject ? subject[1]!.replace(/\r?\n[ \t]/g, ' ').slice(0, 998) : null,
      raw.length,
      raw,
    ]);
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
