/**
 * A TCP proxy that a test puts between Tidings and a real server (the SMTP sink, Postgres) to make
 * the faults a host meets: the server away (connections refused or cut), slow answers, and — for
 * SMTP — a connection dropped in the middle of DATA, or `421` and close. Byte streams are passed
 * through untouched otherwise; the SMTP faults look at the client's commands only to pick the
 * moment (nodemailer sends the body only after the server answered DATA with 354).
 */
import net from 'node:net';

export interface SmtpFaults {
  /** Connections to drop after the client began sending a message body. */
  dropMidData: number;
  /** MAIL FROM commands to answer with `421 4.3.2` and close. */
  closeWith421: number;
  /** Delay of every server → client chunk (a relay answering slowly), in ms. */
  replyDelayMs: number;
}

interface Link {
  client: net.Socket;
  server: net.Socket;
  afterData: boolean;
}

export class FaultProxy {
  readonly faults: SmtpFaults = { dropMidData: 0, closeWith421: 0, replyDelayMs: 0 };
  /** How many of each fault actually happened. */
  readonly happened = { dropMidData: 0, closeWith421: 0 };
  /** While true, new connections are closed at once and live ones were cut (the server is away). */
  away = false;
  private readonly links = new Set<Link>();
  private server!: net.Server;
  port = 0;

  constructor(
    private readonly targetPort: number,
    private readonly opts: { smtp?: boolean; targetHost?: string } = {},
  ) {}

  async start(): Promise<this> {
    this.server = net.createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }

  /** The server goes away: every live connection is cut and new ones are closed until `back()`. */
  cut(): void {
    this.away = true;
    for (const l of this.links) this.close(l);
  }

  back(): void {
    this.away = false;
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    client.on('error', () => undefined);
    if (this.away) {
      client.destroy();
      return;
    }
    const server = net.connect(this.targetPort, this.opts.targetHost ?? '127.0.0.1');
    server.on('error', () => undefined);
    const link: Link = { client, server, afterData: false };
    this.links.add(link);
    let replies = Promise.resolve();
    server.on('data', (chunk: Buffer) => {
      const delay = this.faults.replyDelayMs;
      if (!delay) return void client.write(chunk);
      replies = replies.then(() => new Promise<void>((r) => setTimeout(r, delay))).then(() => void client.write(chunk));
    });
    client.on('data', (chunk: Buffer) => {
      if (this.opts.smtp && this.smtpFault(link, chunk)) return;
      server.write(chunk);
    });
    const end = () => this.close(link);
    client.on('close', end);
    server.on('close', end);
  }

  /** True when the chunk was swallowed by a fault. */
  private smtpFault(link: Link, chunk: Buffer): boolean {
    const text = chunk.toString('latin1');
    if (/^(QUIT|RSET|NOOP)\r\n/i.test(text)) {
      link.afterData = false;
      return false;
    }
    if (/^MAIL FROM:/i.test(text)) {
      // With PIPELINING, MAIL FROM, RCPT TO and DATA leave in one segment.
      link.afterData = /(^|\r\n)DATA\r\n$/i.test(text);
      if (this.faults.closeWith421 > 0) {
        this.faults.closeWith421--;
        this.happened.closeWith421++;
        link.client.end('421 4.3.2 Service shutting down\r\n');
        link.server.destroy();
        return true;
      }
      return false;
    }
    if (/^DATA\r\n$/i.test(text)) {
      link.afterData = true;
      return false;
    }
    if (link.afterData && this.faults.dropMidData > 0) {
      this.faults.dropMidData--;
      this.happened.dropMidData++;
      this.close(link);
      return true;
    }
    return false;
  }

  private close(l: Link): void {
    this.links.delete(l);
    l.client.destroy();
    l.server.destroy();
  }
}
