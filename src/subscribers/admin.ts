/**
 * Editor-facing subscriber management: list and search, one reader, privacy export and erasure
 * (recorded in the audit log here, for the API and the console alike).
 */
import type { Pool } from '../db/pool';
import { withTransaction } from '../db/pool';
import { emit } from '../webhooks/emit';
import type { Queries } from '../db/queries';
import type { Actor, EditorAudit } from '../editors/audit';
import { NotFoundError, ValidationError } from '../errors';
import type { Topics } from '../topics';
import { emailHash } from './email-hash';
import type { Suppressions } from './suppressions';
import type { SubscriberStatus } from './types';

export const STATUSES: readonly SubscriberStatus[] = ['pending', 'confirmed', 'unsubscribed', 'erased'];

export interface SubscriberFilter {
  status: SubscriberStatus | null;
  topic: string | null;
  /** ILIKE pattern (wildcards escaped) or null. */
  pattern: string | null;
}

interface Row {
  id: number;
  email: string | null;
  name: string | null;
  status: SubscriberStatus;
  topics: string[];
  created_at: Date;
  updated_at?: Date;
  confirmed_at: Date | null;
  unsubscribed_at: Date | null;
  /** Read by the CSV export only. */
  timezone?: string | null;
}

function toJson(r: Row) {
  return {
    id: r.id, email: r.email, name: r.name, status: r.status, topics: r.topics,
    createdAt: r.created_at, confirmedAt: r.confirmed_at, unsubscribedAt: r.unsubscribed_at,
  };
}

export const CLICKS_NOTE =
  'No click is stored per reader: clicks are counted per issue, link and topic set only, without who clicked (docs/privacy.md).';

export class SubscriberAdmin {
  constructor(
    private readonly pool: Pool,
    private readonly queries: Queries,
    private readonly topics: Topics,
    private readonly audit: EditorAudit,
    private readonly suppressions: Pick<Suppressions, 'suppress'>,
  ) {}

  /** Validates the query-string filters shared by the list and the CSV export. */
  async filter(raw: { status?: unknown; topic?: unknown; q?: unknown }): Promise<SubscriberFilter> {
    const str = (v: unknown, field: string) => {
      if (v === undefined || v === '') return null;
      if (typeof v !== 'string' || v.length > 200) throw new ValidationError(`${field} must be one short value.`, field);
      return v;
    };
    const status = str(raw.status, 'status');
    if (status !== null && !STATUSES.includes(status as SubscriberStatus)) {
      throw new ValidationError(`status must be one of ${STATUSES.join(', ')}.`, 'status');
    }
    const topic = str(raw.topic, 'topic');
    if (topic !== null && !(await this.topics.slugs()).includes(topic)) throw new ValidationError('Unknown topic.', 'topic', 'unknown_topic');
    const q = str(raw.q, 'q');
    return {
      status: status as SubscriberStatus | null,
      topic,
      pattern: q === null ? null : `%${q.replace(/[\\%_]/g, (c) => '\\' + c)}%`,
    };
  }

  async list(filter: SubscriberFilter, opts: { before: number | null; limit: number }) {
    const { rows } = await this.pool.query<Row>(this.queries.sql('subscribers-search'), [
      filter.status, filter.topic, filter.pattern, opts.before, opts.limit + 1,
    ]);
    const page = rows.slice(0, opts.limit);
    return {
      subscribers: page.map(toJson),
      // Keyset paging: pass ?before=<nextBefore> for the next (older) page.
      nextBefore: rows.length > opts.limit ? page[page.length - 1]!.id : null,
    };
  }

  /** Pages of rows for the CSV export, by ascending id. */
  async *exportRows(filter: SubscriberFilter, pageSize = 5000): AsyncGenerator<Row[]> {
    let after = 0;
    for (;;) {
      const { rows } = await this.pool.query<Row>(this.queries.sql('subscribers-export-page'), [
        filter.status, filter.topic, filter.pattern, after, pageSize,
      ]);
      if (!rows.length) return;
      yield rows;
      after = rows[rows.length - 1]!.id;
      if (rows.length < pageSize) return;
    }
  }

  async get(id: number) {
    const { rows } = await this.pool.query<Row>(this.queries.sql('subscriber-get'), [id]);
    if (!rows[0]) throw new NotFoundError('No such subscriber.');
    const r = rows[0];
    const suppression = r.email ? (await this.pool.query<{ reason: string }>(this.queries.sql('suppression-exists'), [emailHash(r.email)])).rows[0] : undefined;
    return { ...toJson(r), updatedAt: r.updated_at, suppressed: suppression ? suppression.reason : null };
  }

  /**
   * Everything held about one reader (GDPR art. 15 / 20): profile, topics, consent ledger,
   * transactional mails, newsletter deliveries and bounce reports.
   */
  async privacyExport(id: number) {
    const subscriber = await this.get(id);
    const q = this.queries;
    const [consent, tokens, mails, deliveries, bounces, requests] = await Promise.all([
      this.pool.query(q.sql('consent-list'), [id]),
      this.pool.query(q.sql('confirmation-list'), [id]),
      this.pool.query(q.sql('transactional-list'), [id]),
      this.pool.query(q.sql('subscriber-deliveries'), [id]),
      this.pool.query(q.sql('subscriber-bounces'), [id]),
      subscriber.email ? this.pool.query(q.sql('subscription-requests-by-email'), [subscriber.email]) : { rows: [] },
    ]);
    return {
      subscriber,
      consentEvents: consent.rows.map((e) => ({
        id: e.id, kind: e.kind, source: e.source, topics: e.topics, consentVersion: e.consent_version,
        ip: e.ip, userAgent: e.user_agent, at: e.created_at,
      })),
      confirmationTokens: tokens.rows.map((t) => ({ createdAt: t.created_at, expiresAt: t.expires_at, usedAt: t.used_at })),
      transactionalEmails: mails.rows.map((m) => ({
        id: m.id, kind: m.kind, status: m.status, attempts: m.attempts, createdAt: m.created_at, sentAt: m.sent_at,
      })),
      // `topics` is the topic set of the variant the reader was sent (or was to be sent).
      newsletterDeliveries: deliveries.rows.map((d) => ({
        id: d.id, sendId: d.send_id, issueId: d.issue_id, issueSlug: d.issue_slug, issueTitle: d.issue_title,
        topics: d.topics ? String(d.topics).split(',').filter(Boolean) : [], status: d.status, attempts: d.attempts,
        smtpCode: d.smtp_code, sentAt: d.sent_at, updatedAt: d.updated_at,
      })),
      bounces: bounces.rows.map((b) => ({ id: b.id, type: b.type, reason: b.reason, sendId: b.send_id, at: b.created_at })),
      // Subscribe requests not yet processed by the worker (normally none).
      pendingRequests: requests.rows.map((r) => ({
        at: r.created_at, topics: r.topics, source: r.source, consentVersion: r.consent_version, ip: r.ip, userAgent: r.user_agent,
      })),
      // Clicks are counted per issue, link and topic set only (docs/privacy.md): there is nothing
      // about this reader to export, and the export says so rather than leaving it unsaid.
      clicks: CLICKS_NOTE,
      exportedAt: new Date(),
    };
  }

  /**
   * Erases personal data: address, name, topics, IPs and user agents go; the row, the consent
   * ledger (without who) and a hash of the address on the suppression list stay, so no later
   * import or form can mail this address again. Idempotent; every call on an existing reader is
   * recorded (`subscriber.erase`), a missing one is a 404 and is not.
   */
  async erase(id: number, by: Actor): Promise<{ id: number; status: 'erased' }> {
    const q = this.queries;
    await withTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ email: string | null; status: string }>(q.sql('subscriber-lock-by-id'), [id]);
      const sub = rows[0];
      if (!sub) throw new NotFoundError('No such subscriber.');
      if (sub.status === 'erased') return;
      if (sub.email) {
        await this.suppressions.suppress({ emailHash: emailHash(sub.email), reason: 'erased', source: 'editor', detail: `subscriber ${id}` }, client);
        // A request still waiting for the worker holds the address and an IP too.
        await client.query(q.sql('subscription-requests-erase'), [sub.email]);
      }
      await client.query(q.sql('subscriber-erase'), [id]);
      await client.query(q.sql('subscriber-topics-clear'), [id]);
      await client.query(q.sql('confirmation-delete'), [id]);
      await client.query(q.sql('consent-erase-personal'), [id]);
      await client.query(q.sql('consent-insert'), [id, 'erased', 'editor', null, null, null, null]);
      await emit({ client, queries: q }, 'subscriber.erased', { subscriber_id: id });
    });
    await this.audit.record(by, 'subscriber.erase', { detail: `subscriber ${id}` });
    return { id, status: 'erased' };
  }
}
