/**
 * One subscribe path for the form and the JSON API. Whatever the address's state — new, pending,
 * confirmed, unsubscribed, suppressed — the caller learns nothing: the same answer, the same
 * rate-limit buckets, and any email is sent later by the transactional worker.
 */
import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from '../db/pool';
import { withTransaction } from '../db/pool';
import type { Queries } from '../db/queries';
import type { RateLimiter } from '../ratelimit';
import type { Topics } from '../topics';
import { CONSENT_VERSION } from './consent';
import { emailHash } from './email-hash';
import type { TransactionalMail } from './transactional';
import type { ConsentContext } from './types';
import { normalizeEmail, normalizeName, normalizeTopics } from './validation';

export const SUBSCRIBE_WINDOW_SECONDS = 600;

export interface SubscribeInput {
  email: unknown;
  name?: unknown;
  topics: unknown;
  /** The honeypot field: humans leave it empty. */
  honeypot?: unknown;
}

export interface SubscribeLimits {
  perIp: number;
  perAddress: number;
}

export class SubscriptionService {
  constructor(
    private readonly pool: Pool,
    private readonly queries: Queries,
    private readonly topics: Topics,
    private readonly limiter: RateLimiter,
    private readonly limits: SubscribeLimits,
    private readonly mail: TransactionalMail,
  ) {}

  /** Counts one attempt from this client; every POST counts, valid or not, so floods are bounded. */
  async limitClient(ip: string | null): Promise<void> {
    await this.limiter.hit('subscribe-ip', ip ?? 'unknown', this.limits.perIp, SUBSCRIBE_WINDOW_SECONDS);
  }

  /**
   * Validates and records a subscription request. Resolves with nothing for every valid request;
   * throws ValidationError for invalid input and RateLimitedError past a limit. The caller must
   * have called limitClient() for this request.
   */
  async subscribe(input: SubscribeInput, ctx: ConsentContext): Promise<void> {
    const email = normalizeEmail(input.email);
    const name = normalizeName(input.name);
    const topics = normalizeTopics(input.topics, await this.topics.slugs());
    const hash = emailHash(email);
    // The bucket key is a hash, so Redis never holds a readable address.
    const addressKey = createHash('sha256').update(hash).digest('hex').slice(0, 32);
    await this.limiter.hit('subscribe-address', addressKey, this.limits.perAddress, SUBSCRIBE_WINDOW_SECONDS);
    if (typeof input.honeypot === 'string' && input.honeypot.trim() !== '') return;

    const outbox = await withTransaction(this.pool, (client) => this.record(client, email, name, topics, hash, ctx));
    if (outbox !== undefined) await this.mail.dispatch(outbox);
  }

  private async record(
    client: PoolClient,
    email: string,
    name: string | null,
    topics: string[],
    hash: Buffer,
    ctx: ConsentContext,
  ): Promise<number | undefined> {
    const q = this.queries;
    const inserted = await client.query<{ id: number }>(q.sql('subscriber-insert-pending'), [email, name, hash]);
    let id = inserted.rows[0]?.id;
    let kind: 'confirm' | 'already_subscribed' = 'confirm';
    if (id === undefined) {
      const { rows } = await client.query<{ id: number; status: string; suppressed: boolean }>(
        q.sql('subscriber-lock-by-email'),
        [email, hash],
      );
      const row = rows[0];
      // Suppressed (bounced, complained, erased): nothing is written and nothing is sent.
      if (!row || row.suppressed) return undefined;
      id = row.id;
      if (row.status === 'confirmed') {
        // A confirmed reader's topics never change from an unauthenticated form: they get their
        // preferences link by email instead.
        kind = 'already_subscribed';
      } else {
        await client.query(q.sql('subscriber-repend'), [id, name]);
        await client.query(q.sql('subscriber-topics-replace-delete'), [id, topics]);
      }
    }
    if (kind === 'confirm') await client.query(q.sql('subscriber-topics-add'), [id, topics]);
    await client.query(q.sql('consent-insert'), [id, 'requested', ctx.source, topics, CONSENT_VERSION, ctx.ip, ctx.userAgent]);
    const { rows } = await client.query<{ id: number }>(q.sql('transactional-insert'), [id, kind]);
    return rows[0]!.id;
  }
}
