/**
 * The built-in bounce and complaint receiver: an SMTP listener (INBOUND_SMTP_PORT, 0 = off) for
 * mail to `bounces+<token>@BOUNCE_DOMAIN`, where DSNs come back to our VERP envelope senders and
 * where feedback loops can be pointed.
 *
 * - RCPT TO: only a verified VERP address at BOUNCE_DOMAIN is accepted, and fbl@BOUNCE_DOMAIN for
 *   feedback loops (matched by the report's signed identifiers only); anything else is 550, so a
 *   forged or mistyped token changes nothing and the receiver relays for nobody.
 * - MAIL FROM: per client IP, INBOUND_SMTP_RATE_PER_MINUTE messages (Redis, shared by processes);
 *   over it 450 4.7.1, a temporary refusal: a real MTA retries later, so nothing is lost.
 * - DATA: at most INBOUND_SMTP_MAX_BYTES (552 5.3.4 past it, nothing buffered beyond the limit);
 *   classified by the bounded parser (reports/classify.ts); its events go to the one service with
 *   the token as the delivery, whatever addresses the report names. A database failure answers
 *   451, so the sender retries rather than the report being dropped.
 * Every accepted message is kept in inbound_reports with its classification; the raw bytes only
 * for the ones that yielded no event (unclassified, malformed), for a human to read.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import type { Pool } from '../db/pool';
import type { Queries } from '../db/queries';
import { RateLimitedError } from '../errors';
import type { Logger } from '../logger';
import type { RateLimiter } from '../ratelimit';
import { listenProblem } from '../startup-errors';
import { reportEvents } from './reports/events';
import { classifyReport } from './reports/classify';
import type { DeliverabilityService } from './service';
import type { VerpRef, VerpTokens } from './verp';

export interface ReceiverOptions {
  /** BOUNCE_DOMAIN. */
  domain: string;
  port: number;
  host: string;
  maxBytes: number;
  ratePerMinute: number;
  /** Redis bucket of the per-client limit (default `inbound-smtp`, shared by every process). */
  rateBucket?: string;
}

const MAX_RECIPIENTS = 5;
/** fbl@BOUNCE_DOMAIN: where feedback loops that write to one fixed address are pointed. */
export const FBL_LOCAL_PART = 'fbl';
const KEEP_RAW = new Set(['unclassified', 'malformed']);

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

export class BounceReceiver {
  private server: SMTPServer | undefined;
  private boundPort = 0;
  /** Verified recipients per SMTP session, cleared with each transaction (no ref: the FBL address). */
  private readonly refs = new Map<string, { address: string; ref: VerpRef | undefined }[]>();

  constructor(
    private readonly d: { pool: Pool; queries: Queries; log: Logger; verp: VerpTokens; service: DeliverabilityService; rateLimiter: RateLimiter; options: ReceiverOptions; now?: () => Date },
  ) {}

  get port(): number {
    return this.boundPort;
  }

  async start(): Promise<void> {
    const { options, log } = this.d;
    const server = new SMTPServer({
      authOptional: true,
      // Reports arrive from MTAs delivering mail: no AUTH. No STARTTLS either (no certificate is
      // configured here); put a TLS-terminating MTA in front if that matters (docs/deliverability.md).
      disabledCommands: ['STARTTLS', 'AUTH'],
      size: options.maxBytes,
      maxClients: 50,
      socketTimeout: 60_000,
      logger: false,
      banner: 'Tidings bounce receiver',
      onMailFrom: (_address, session, cb) => {
        this.refs.delete(session.id);
        const ip = session.remoteAddress.replace(/^::ffff:/, '');
        this.d.rateLimiter.hit(options.rateBucket ?? 'inbound-smtp', ip, options.ratePerMinute, 60).then(
          () => cb(),
          (err: unknown) => cb(err instanceof RateLimitedError ? smtpError(450, '4.7.1 Too many messages from your address, try again later') : smtpError(451, '4.3.0 Temporary failure, try again later')),
        );
      },
      onRcptTo: (address, session, cb) => {
        const verified = this.d.verp.verifyAddress(address.address);
        const fbl = !verified && address.address.toLowerCase() === `${FBL_LOCAL_PART}@${this.d.options.domain}`;
        if (!verified && !fbl) return cb(smtpError(550, '5.1.1 No such mailbox here'));
        const list = this.refs.get(session.id) ?? [];
        if (list.length >= MAX_RECIPIENTS) return cb(smtpError(452, '4.5.3 Too many recipients'));
        list.push({ address: address.address, ref: verified?.ref });
        this.refs.set(session.id, list);
        return cb();
      },
      onData: (stream, session, cb) => this.onData(stream, session, cb),
      onClose: (session) => this.refs.delete(session.id),
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(listenProblem(err, options.port, 'INBOUND_SMTP_PORT')));
      server.listen(options.port, options.host, () => resolve());
    });
    server.on('error', (err) => log.warn({ err }, 'bounce receiver SMTP error'));
    this.boundPort = (server.server.address() as AddressInfo).port;
    this.server = server;
    log.info({ port: this.boundPort }, 'bounce receiver listening');
  }

  private onData(stream: NodeJS.ReadableStream & { sizeExceeded?: boolean }, session: SMTPServerSession, cb: (err?: Error | null) => void): void {
    const chunks: Buffer[] = [];
    let bytes = 0;
    stream.on('data', (c: Buffer) => {
      bytes += c.length;
      // Past the limit the rest is read and dropped: nothing oversized is held in memory.
      if (bytes <= this.d.options.maxBytes) chunks.push(c);
    });
    stream.on('end', () => {
      const recipients = this.refs.get(session.id) ?? [];
      this.refs.delete(session.id);
      if (stream.sizeExceeded || bytes > this.d.options.maxBytes) return cb(smtpError(552, '5.3.4 Message too big'));
      const ip = session.remoteAddress.replace(/^::ffff:/, '');
      this.handle(Buffer.concat(chunks), ip, recipients).then(
        () => cb(),
        (err: unknown) => {
          this.d.log.error({ err }, 'bounce receiver could not record a report');
          cb(smtpError(451, '4.3.0 Temporary failure, try again later'));
        },
      );
    });
  }

  /** Classifies one message and records it for each (verified) recipient. */
  private async handle(raw: Buffer, ip: string, recipients: { address: string; ref: VerpRef | undefined }[]): Promise<void> {
    const report = classifyReport(raw, { limits: { maxBytes: this.d.options.maxBytes } });
    const events = reportEvents(report, this.d.now?.() ?? new Date());
    const detail = report.type === 'malformed' ? `${report.reason}: ${report.detail}` : report.type === 'auto_reply' ? report.reason : null;
    for (const { address, ref } of recipients) {
      // The FBL address has no token: only the report's signed identifiers (an echoed VERP
      // address, our Message-ID) can name a delivery, never an address written in it.
      if (events.length) await this.d.service.record(events, { ...(ref ? { ref } : {}), trustAddress: false });
      const delivery = ref?.kind === 'delivery' ? ref : undefined;
      await this.d.pool.query(this.d.queries.sql('dlv-inbound-insert'), [
        ip || null, address.slice(0, 320), delivery?.sendId ?? null, delivery?.subscriberId ?? null,
        ref?.kind === 'transactional' ? ref.messageId : null, report.type, detail?.slice(0, 500) ?? null, events.length,
        KEEP_RAW.has(report.type) ? raw : null,
      ]);
    }
    this.d.log.info({ classification: report.type, events: events.length, recipients: recipients.length }, 'bounce receiver: report received');
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
