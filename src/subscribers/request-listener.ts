/**
 * The worker's ear for subscribe requests: the requests' INSERT notifies
 * `tidings_subscription_requests` with the row ids at commit (comma-separated: concurrent requests
 * are inserted together), and every transactional worker that LISTENs enqueues each (the job id
 * `req-<id>-0` makes the copies from several workers one job). So a subscribe request costs the API
 * its share of one INSERT and no Redis round trip.
 *
 * Notifications are not durable: one sent while no worker listened (all down, or this connection
 * between a drop and its reconnect) is lost, and the row waits for the sweeper
 * (src/subscribers/sweeper.ts), exactly like a job lost in Redis.
 *
 * LISTEN needs a session of its own. Behind a transaction pooler (DATABASE_POOLER=transaction) the
 * listener uses DATABASE_MIGRATION_URL, a direct connection; without one it polls instead: every
 * `pollMs` it reads the requests after the last id it saw (one indexed read through the pooler).
 */
import pg from 'pg';
import type { Logger } from '../logger';

export const REQUESTS_CHANNEL = 'tidings_subscription_requests';

export class RequestListener {
  private client: pg.Client | undefined;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;
  private failures = 0;

  private lastSeen = 0;

  constructor(
    /** A session connection to LISTEN on; undefined = poll with `pollAfter` instead. */
    private readonly databaseUrl: string | undefined,
    private readonly onRequest: (requestId: number) => void,
    private readonly log: Logger,
    private readonly pollAfter?: (afterId: number) => Promise<number[]>,
    private readonly pollMs = 1000,
  ) {}

  /** Connects and listens (or starts polling); a failure is retried in the background, never thrown. */
  async start(): Promise<void> {
    this.stopped = false;
    if (this.databaseUrl === undefined) return this.poll();
    await this.connect();
  }

  private async poll(): Promise<void> {
    if (this.stopped || !this.pollAfter) return;
    try {
      for (const id of await this.pollAfter(this.lastSeen)) {
        this.lastSeen = Math.max(this.lastSeen, id);
        this.onRequest(id);
      }
    } catch (err) {
      this.log.warn({ err }, 'subscribe-request poll failed; retrying (the sweeper covers the gap)');
    }
    if (this.stopped) return;
    this.retry = setTimeout(() => void this.poll(), this.pollMs);
    this.retry.unref();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.databaseUrl });
    client.on('notification', (msg) => {
      for (const part of (msg.payload ?? '').split(',')) {
        const id = Number(part);
        if (Number.isSafeInteger(id) && id > 0) this.onRequest(id);
      }
    });
    const lost = (err?: Error) => {
      if (this.client !== client) return;
      this.client = undefined;
      client.removeAllListeners('end');
      void client.end().catch(() => undefined);
      if (!this.stopped) {
        this.log.warn({ err }, 'subscribe-request listener lost its connection; reconnecting');
        this.scheduleReconnect();
      }
    };
    client.on('error', lost);
    client.on('end', () => lost());
    try {
      await client.connect();
      await client.query(`LISTEN ${REQUESTS_CHANNEL}`);
      if (this.stopped) return void (await client.end());
      this.client = client;
      this.failures = 0;
    } catch (err) {
      client.removeAllListeners();
      client.on('error', () => undefined);
      await client.end().catch(() => undefined);
      if (this.stopped) return;
      this.log.warn({ err }, 'subscribe-request listener could not connect; retrying (the sweeper covers the gap)');
      this.scheduleReconnect();
    }
  }

  private scheduleReconnect(): void {
    // 0.5 s, 1 s, 2 s ... at most 30 s between attempts.
    const delay = Math.min(30_000, 500 * 2 ** this.failures++);
    this.retry = setTimeout(() => void this.connect(), delay);
    this.retry.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
