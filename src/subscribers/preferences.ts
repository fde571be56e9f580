/**
 * What a reader can do with a signed link: see and change their topics, unsubscribe from everything
 * or from one topic, and ask to come back. A reader left with no topic is unsubscribed in the same
 * transaction, so "confirmed" always means "has at least one topic". A link proves only that its
 * holder got one of the reader's emails (forwarded newsletters carry it too), so it never confirms
 * anyone: coming back goes through a new confirmation email (issue 11).
 */
import { groupedStatement, type GroupedWrites } from '../db/grouped-writes';
import type { Pool, PoolClient } from '../db/pool';
import { withTransaction } from '../db/pool';
import { emit } from '../webhooks/emit';
import type { Queries } from '../db/queries';
import { ConflictError, ValidationError } from '../errors';
import type { Topics } from '../topics';
import { CONSENT_VERSION } from './consent';
import { invalidLink } from './confirm';
import { emailHash } from './email-hash';
import type { SubscriptionService } from './subscribe';
import type { Suppressions } from './suppressions';
import type { ConsentContext, SubscriberView } from './types';
import { normalizeTimezone, normalizeTopics } from './validation';

interface Locked {
  id: number;
  email: string | null;
  status: string;
  confirmed_at: Date | null;
}

export class PreferencesService {
  private readonly unsubscribes: GroupedWrites<{ id: number; source: string; ip: string | null; user_agent: string | null }>;

  constructor(
    private readonly pool: Pool,
    private readonly queries: Queries,
    private readonly topics: Topics,
    private readonly subscriptions: Pick<SubscriptionService, 'subscribe'>,
    private readonly suppressions: Pick<Suppressions, 'readerStanding'>,
  ) {
    this.unsubscribes = groupedStatement(pool, queries.prepared('subscribers-unsubscribe'));
  }

  /** The reader behind a verified link; an erased reader's link is as dead as a forged one. */
  async view(id: number): Promise<SubscriberView> {
    const { rows } = await this.pool.query(this.queries.sql('subscriber-get'), [id]);
    const r = rows[0];
    if (!r || r.status === 'erased' || !r.email) throw invalidLink();
    // A suppression the reader may lift by confirming (manual, an old bounce) leaves the way back open.
    const suppressed = (await this.suppressions.readerStanding(emailHash(r.email))) === 'refused';
    return {
      id: r.id, email: r.email, name: r.name, status: r.status, topics: r.topics, suppressed,
      createdAt: r.created_at, updatedAt: r.updated_at, confirmedAt: r.confirmed_at, unsubscribedAt: r.unsubscribed_at,
      timezone: r.timezone,
    };
  }

  /** Sets a confirmed reader's time zone ('' or none: the service's default); 422 for an unknown zone. */
  async setTimezone(id: number, raw: unknown): Promise<void> {
    await this.pool.query(this.queries.sql('subscriber-set-timezone'), [id, normalizeTimezone(raw)]);
  }

  /**
   * Sets a confirmed reader's topics; an empty set unsubscribes. Anyone else gets ConflictError
   * ('not_subscribed'): saving topics never subscribes a reader again (requestConfirmation does).
   */
  async setTopics(id: number, rawTopics: unknown, ctx: ConsentContext): Promise<void> {
    const topics = normalizeTopics(rawTopics, await this.topics.slugs(), { allowEmpty: true });
    if (!topics.length) return this.unsubscribe(id, ctx);
    const q = this.queries;
    await withTransaction(this.pool, async (client) => {
      const sub = await this.lock(client, id);
      if (sub.status !== 'confirmed') {
        throw new ConflictError('You are not subscribed, so there are no topics to save. Ask for a confirmation email to come back.', 'not_subscribed');
      }
      const before = (await client.query<{ topic: string }>(q.sql('subscriber-topics'), [id])).rows.map((r) => r.topic);
      await client.query(q.sql('subscriber-topics-replace-delete'), [id, topics]);
      await client.query(q.sql('subscriber-topics-add'), [id, topics]);
      if (before.join(',') !== topics.join(',')) {
        await client.query(q.sql('subscriber-touch'), [id]);
        await client.query(q.sql('consent-insert'), [id, 'topics_changed', ctx.source, topics, CONSENT_VERSION, ctx.ip, ctx.userAgent]);
        await emit({ client, queries: q }, 'subscriber.updated', { subscriber_id: id, topics });
      }
    });
  }

  /**
   * An unsubscribed (or still unconfirmed) reader asks to come back: a subscribe request for their
   * own address, the same as the form's (same limits; the caller counts the client first), so they
   * are back only once they press the button in a new confirmation email.
   */
  async requestConfirmation(id: number, rawTopics: unknown, ctx: ConsentContext): Promise<void> {
    const sub = await this.view(id);
    if (sub.status === 'confirmed') throw new ConflictError('You are already subscribed.', 'already_subscribed');
    if (sub.suppressed) throw new ValidationError('We can no longer send email to this address.', 'email', 'suppressed');
    await this.subscriptions.subscribe({ email: sub.email, name: sub.name, topics: rawTopics }, ctx);
  }

  /**
   * Idempotent; effective at once for every message not yet claimed by a delivery worker. This is
   * the one-click path every email's List-Unsubscribe hits, so concurrent calls share one prepared
   * statement that also records the consent event and the webhook event (subscribers-unsubscribe).
   */
  async unsubscribe(id: number, ctx: ConsentContext): Promise<void> {
    await this.unsubscribes.add({ id, source: ctx.source, ip: ctx.ip, user_agent: ctx.userAgent });
  }

  /** Drops one topic ("stop NEV news"); dropping the last one unsubscribes. Idempotent. */
  async unsubscribeTopic(id: number, topic: string, ctx: ConsentContext): Promise<void> {
    const [slug] = normalizeTopics([topic], await this.topics.slugs(), { field: 'topic' });
    const q = this.queries;
    await withTransaction(this.pool, async (client) => {
      const sub = await client.query<Locked>(q.sql('subscriber-lock-by-id'), [id]);
      if (!sub.rows[0] || sub.rows[0].status === 'erased') return;
      const removed = await client.query(q.sql('subscriber-topic-remove'), [id, slug]);
      if (!removed.rowCount) return;
      const left = (await client.query<{ topic: string }>(q.sql('subscriber-topics'), [id])).rows.map((r) => r.topic);
      if (left.length === 0 && (await client.query(q.sql('subscriber-set-unsubscribed'), [id])).rowCount) {
        await client.query(q.sql('consent-insert'), [id, 'unsubscribed', ctx.source, [slug], null, ctx.ip, ctx.userAgent]);
        await emit({ client, queries: q }, 'subscriber.unsubscribed', { subscriber_id: id, topics: [slug] });
      } else {
        await client.query(q.sql('subscriber-touch'), [id]);
        await client.query(q.sql('consent-insert'), [id, 'topics_changed', ctx.source, left, null, ctx.ip, ctx.userAgent]);
        await emit({ client, queries: q }, 'subscriber.updated', { subscriber_id: id, topics: left });
      }
    });
  }

  private async lock(client: PoolClient, id: number): Promise<Locked> {
    const { rows } = await client.query<Locked>(this.queries.sql('subscriber-lock-by-id'), [id]);
    const sub = rows[0];
    if (!sub || sub.status === 'erased' || !sub.email) throw invalidLink();
    return sub;
  }
}
