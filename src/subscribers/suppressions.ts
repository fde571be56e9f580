/**
 * The suppression list: addresses (as SHA-256, src/subscribers/email-hash.ts) never mailed again,
 * each with a reason, a source and a time. Every site that suppresses — the delivery engine's SMTP
 * 5xx, bounce and complaint reports, erase, imports — calls suppress(); nothing else writes the
 * table. A lift deletes the row (so the send path's NOT EXISTS checks stay as they are) and records
 * it in suppression_lifts; an editor's lift is in the audit log too.
 *
 * Who may lift what:
 *   reader (confirms a new subscription): erased and manual at once; hard_bounce and
 *          soft_bounce_limit once SUPPRESSION_RETURN_DAYS have passed; complaint never.
 *   editor (DELETE /api/suppressions/:id, with a note): anything but erased — an erased reader's
 *          address may come back only by that reader's own confirmed request.
 *   imports and every other editor action: never (they only add).
 */
import type { Pool, PoolClient } from '../db/pool';
import { withTransaction } from '../db/pool';
import type { Queries } from '../db/queries';
import type { Actor, EditorAudit } from '../editors/audit';
import { ConflictError, NotFoundError } from '../errors';
import { emailHash } from './email-hash';

export const SUPPRESSION_REASONS = ['hard_bounce', 'complaint', 'erased', 'manual', 'soft_bounce_limit'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

/**
 * Who reported it. smtp_reply: our relay refused the message (5xx); dsn / arf: a bounce or
 * complaint report read from a mailbox; provider_webhook: a provider's own webhook (Mailgun, SES …);
 * webhook: our signed JSON bounce webhook; editor: an editor's action (erase); reader: the reader's
 * own request; import: a suppression list imported from another tool. The migration's CHECK
 * (db/migrations/021) holds the same words.
 */
export const SUPPRESSION_SOURCES = ['smtp_reply', 'dsn', 'arf', 'provider_webhook', 'webhook', 'editor', 'reader', 'import'] as const;
export type SuppressionSource = (typeof SUPPRESSION_SOURCES)[number];

export interface SuppressInput {
  emailHash: Buffer;
  reason: SuppressionReason;
  source: SuppressionSource;
  detail?: string | null | undefined;
}

export interface Suppression {
  id: number;
  emailHash: string;
  reason: SuppressionReason;
  source: SuppressionSource;
  detail: string | null;
  createdAt: Date;
}

interface Row {
  id: number;
  email_hash: Buffer;
  reason: SuppressionReason;
  source: SuppressionSource;
  detail?: string | null;
  created_at: Date;
}

/** A pool or a client inside a transaction: suppress() joins the caller's transaction when given one. */
export type Db = Pick<PoolClient, 'query'>;

const DAY_MS = 86_400_000;
export const HASH_HEX = /^[0-9a-f]{64}$/i;

/** Whether the reader may lift this suppression by confirming a new subscription. */
export function readerMayReturn(reason: SuppressionReason, suppressedAt: Date, returnDays: number, now = new Date()): boolean {
  switch (reason) {
    case 'erased':
    case 'manual':
      return true;
    case 'hard_bounce':
    case 'soft_bounce_limit':
      return now.getTime() - suppressedAt.getTime() >= returnDays * DAY_MS;
    case 'complaint':
      return false;
  }
}

const toJson = (r: Row): Suppression => ({
  id: Number(r.id), emailHash: r.email_hash.toString('hex'), reason: r.reason, source: r.source, detail: r.detail ?? null, createdAt: r.created_at,
});

export class Suppressions {
  constructor(
    private readonly pool: Pool,
    private readonly queries: Queries,
    private readonly audit: EditorAudit,
    private readonly returnDays: number,
  ) {}

  /** Puts one address on the list (or weighs in a heavier reason); true when a row changed. */
  async suppress(input: SuppressInput, db: Db = this.pool): Promise<boolean> {
    return (await this.suppressMany({ ...input, emailHashes: [input.emailHash] }, db)) > 0;
  }

  /** The same for many addresses with one reason (a delivery chunk's hard bounces, an import chunk). */
  async suppressMany(input: Omit<SuppressInput, 'emailHash'> & { emailHashes: Buffer[] }, db: Db = this.pool): Promise<number> {
    if (!input.emailHashes.length) return 0;
    // One statement may not touch a row twice (ON CONFLICT DO UPDATE): repeated hashes go first.
    const unique = [...new Map(input.emailHashes.map((h) => [h.toString('hex'), h])).values()];
    const { rowCount } = await db.query(this.queries.sql('suppression-add'), [
      unique, input.reason, input.source, input.detail?.slice(0, 300) || null,
    ]);
    return rowCount ?? 0;
  }

  /**
   * For the worker handling a subscribe request or sending its confirmation: is the address
   * suppressed, and if so may the reader's own confirmation lift it? Given a transaction's client,
   * the row is locked until it ends (no lift or heavier report slips in between).
   */
  async readerStanding(hash: Buffer, client?: PoolClient): Promise<'clear' | 'may_return' | 'refused'> {
    const db: Db = client ?? this.pool;
    const row = (await db.query<Row>(this.queries.sql(client ? 'suppression-get-for-update' : 'suppression-get'), [hash])).rows[0];
    if (!row) return 'clear';
    return readerMayReturn(row.reason, row.created_at, this.returnDays) ? 'may_return' : 'refused';
  }

  /**
   * The reader confirmed a new subscription: lift the suppression if the rules allow it. Returns
   * false when the address is still suppressed (the confirmation must then fail). Runs inside the
   * confirmation's transaction.
   */
  async liftByReader(client: PoolClient, email: string): Promise<boolean> {
    const row = (await client.query<Row>(this.queries.sql('suppression-get-for-update'), [emailHash(email)])).rows[0];
    if (!row) return true;
    if (!readerMayReturn(row.reason, row.created_at, this.returnDays)) return false;
    await this.lift(client, row, 'reader', null, null);
    return true;
  }

  /** DELETE /api/suppressions/:id and the console's lift: audited, with the editor's note. */
  async liftByEditor(id: number, note: string, by: Actor): Promise<Suppression> {
    const lifted = await withTransaction(this.pool, async (client) => {
      const row = (await client.query<Row>(this.queries.sql('suppression-get-by-id-for-update'), [id])).rows[0];
      if (!row) throw new NotFoundError('No such suppression.');
      if (row.reason === 'erased') {
        throw new ConflictError('An erased address comes back only when its reader subscribes again and confirms.', 'erased');
      }
      await this.lift(client, row, 'editor', by.name, note);
      return row;
    });
    // The hash's first 16 hex digits name the address in the log without making it readable.
    await this.audit.record(by, 'suppression.lift', {
      detail: `suppression ${id} (${lifted.reason}, ${lifted.source}, ${lifted.email_hash.toString('hex').slice(0, 16)}…): ${note}`,
    });
    return toJson(lifted);
  }

  private async lift(client: PoolClient, row: Row, by: 'reader' | 'editor', editor: string | null, note: string | null): Promise<void> {
    await client.query(this.queries.sql('suppression-delete'), [row.id]);
    await client.query(this.queries.sql('suppression-lift-record'), [row.id, row.email_hash, row.reason, row.source, row.created_at, by, editor, note]);
  }

  /** The editor's view: newest first, by reason and/or by address (hashed here) or hash. */
  async list(opts: { reason?: SuppressionReason | undefined; q?: string | undefined; before?: number | undefined; limit?: number | undefined }): Promise<Suppression[]> {
    const q = opts.q?.trim();
    const hash = !q ? null : HASH_HEX.test(q) ? Buffer.from(q, 'hex') : emailHash(q);
    const { rows } = await this.pool.query<Row>(this.queries.sql('suppression-list'), [opts.reason ?? null, hash, opts.limit ?? 100, opts.before ?? null]);
    return rows.map(toJson);
  }

  /** How many per reason, every reason present (0 when none). */
  async counts(): Promise<Record<SuppressionReason, number>> {
    const out = Object.fromEntries(SUPPRESSION_REASONS.map((r) => [r, 0])) as Record<SuppressionReason, number>;
    const { rows } = await this.pool.query<{ reason: SuppressionReason; n: number }>(this.queries.sql('suppression-counts'));
    for (const r of rows) out[r.reason] = r.n;
    return out;
  }

  /** Every row in id order, a page at a time (the CSV export). */
  async *all(pageSize = 5000): AsyncGenerator<Suppression[]> {
    let after = 0;
    for (;;) {
      const { rows } = await this.pool.query<Row>(this.queries.sql('suppression-export-page'), [after, pageSize]);
      if (!rows.length) return;
      yield rows.map(toJson);
      after = Number(rows[rows.length - 1]!.id);
    }
  }
}
