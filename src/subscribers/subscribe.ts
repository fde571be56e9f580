/**
 * One subscribe path for the form and the JSON API. Whatever the address's state — new, pending,
 * confirmed, unsubscribed, suppressed — the caller learns nothing: the same answer, the same
 * rate-limit buckets, and the same work. After validation and the limits, the request writes one
 * `subscription_requests` row (in one statement with the rows of concurrent requests), whose insert
 * notifies the workers (they enqueue it); it never reads the address's state and never talks to the
 * queue. The transactional worker does the branching
 * (src/subscribers/requests.ts), so no difference in database work can show in the response time.
 */
import { createHash } from 'node:crypto';
import { groupedStatement, type GroupedWrites } from '../db/grouped-writes';
import type { Pool } from '../db/pool';
import type { Queries } from '../db/queries';
import type { RateLimiter } from '../ratelimit';
import type { Topics } from '../topics';
import { CONSENT_VERSION } from './consent';
import { emailHash } from './email-hash';
import type { ConsentContext, SubscriptionRequestFields } from './types';
import { lenientTimezone, normalizeEmail, normalizeName, normalizeTimezone, normalizeTopics } from './validation';

export const SUBSCRIBE_WINDOW_SECONDS = 600;

export interface SubscribeInput {
  email: unknown;
  name?: unknown;
  topics: unknown;
  /** IANA zone: from the form's browser field (ignored when unusable) or the JSON API (422 when bad). */
  timezone?: unknown;
  /** The honeypot field: humans leave it empty. */
  honeypot?: unknown;
}

export interface SubscribeLimits {
  perIp: number;
  perAddress: number;
}

export class SubscriptionService {
  /** Concurrent requests' rows go to Postgres together: one statement and one commit per group. */
  private readonly inserts: GroupedWrites<SubscriptionRequestFields>;

  constructor(
    private readonly pool: Pool,
    private readonly queries: Queries,
    private readonly topics: Topics,
    private readonly limiter: RateLimiter,
    private readonly limits: SubscribeLimits,
  ) {
    this.inserts = groupedStatement(pool, queries.prepared('subscription-requests-insert'));
  }

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
    // The form's field is filled by script from the browser; a value it cannot use is dropped,
    // never shown to the reader as their mistake. The JSON API's caller is told.
    const timezone = ctx.source === 'form' ? lenientTimezone(input.timezone) : normalizeTimezone(input.timezone);
    // The bucket key is a hash of the case-folded address (Ann@ and ann@ share a bucket), so Redis
    // never holds a readable address.
    const addressKey = createHash('sha256').update(emailHash(email)).digest('hex').slice(0, 32);
    await this.limiter.hit('subscribe-address', addressKey, this.limits.perAddress, SUBSCRIBE_WINDOW_SECONDS);
    if (typeof input.honeypot === 'string' && input.honeypot.trim() !== '') return;
    if (ctx.source !== 'form' && ctx.source !== 'api') throw new TypeError(`subscribe from source ${ctx.source}`);

    await this.inserts.add({
      email, name, topics, source: ctx.source, consent_version: CONSENT_VERSION, ip: ctx.ip, user_agent: ctx.userAgent, timezone,
    });
  }
}
