/**
 * CSV import (`email,name,topics` and an optional `timezone` column of IANA names, topics separated
 * by ';' or spaces). Every line is validated with
 * the same rules as the form; valid readers are written in chunks, one multi-row statement per table
 * and one transaction per chunk, so 100,000 rows take seconds. Imported readers are confirmed with
 * consent source 'import'. A suppressed address is reported and never written; an unsubscribed reader
 * is reported and never re-activated (their withdrawal of consent outranks an old list).
 * Imported readers get no welcome email unless the import asks for it (`welcome`, WELCOME_EMAIL=on):
 * then each reader the import inserts (never an existing one) gets a `welcome` transactional message,
 * inserted in the chunk's transaction and dispatched after its commit, like a confirmation's.
 */
import type { Pool } from '../db/pool';
import { withTransaction } from '../db/pool';
import type { Queries } from '../db/queries';
import type { Actor, EditorAudit } from '../editors/audit';
import { AppError, BadRequestError } from '../errors';
import type { Topics } from '../topics';
import type { TransactionalMail } from './transactional';
import { readCsvRows, unescapeCell } from './csv-cells';
import { emailHash } from './email-hash';
import { normalizeEmail, normalizeName, normalizeTimezone, normalizeTopics } from './validation';

export const IMPORT_CHUNK = 5000;
export const MAX_IMPORT_ROWS = 500_000;
const MAX_REPORTED_INVALID = 1000;

export interface ImportReport {
  dryRun: boolean;
  imported: number;
  updated: number;
  invalid: { line: number; error: string }[];
  /** Total invalid lines (the list above stops at 1000). */
  invalidCount: number;
  suppressed: number;
  /** Unsubscribed readers left alone. */
  unsubscribed: number;
  /** Repeated addresses within the file (the first occurrence wins). */
  duplicates: number;
  /** Welcome emails queued (or, in a dry run, that would be) for the readers this import adds. */
  welcomed: number;
}

interface Row {
  line: number;
  email: string;
  /** The address case-folded: what uniqueness, duplicates and look-ups go by. */
  key: string;
  name: string | null;
  topics: string[];
  timezone: string | null;
  hash: Buffer;
  existing?: string;
}

type Record = { email?: string; name?: string; topics?: string; timezone?: string };
const TOPIC_SEPARATOR = /[;\s]+/;

function readCsv(text: string): { record: Record; line: number }[] {
  return readCsvRows<Record>(text, (cols) => (cols.includes('email') ? null : 'The header row must name the columns: email,name,topics.'));
}

export class SubscriberImport {
  constructor(
    private readonly pool: Pool,
    private readonly queries: Queries,
    private readonly topics: Topics,
    private readonly audit: EditorAudit,
    /** WELCOME_EMAIL and the transactional mail that sends the welcome emails an import asks for. */
    private readonly welcome: { on: boolean; mail: Pick<TransactionalMail, 'dispatch'> },
  ) {}

  /**
   * A dry run only reports; a real import is recorded (`subscribers.import`) with its counts.
   * `welcome`: the readers it adds get the welcome email (ignored when WELCOME_EMAIL=off).
   */
  async run(text: string, opts: { dryRun: boolean; by: Actor; welcome?: boolean }): Promise<ImportReport> {
    const welcome = opts.welcome === true && this.welcome.on;
    const records = readCsv(text);
    if (records.length > MAX_IMPORT_ROWS) throw new BadRequestError(`At most ${MAX_IMPORT_ROWS} rows per import.`, 'body', 'too_many_rows');
    const known = await this.topics.slugs();
    const report: ImportReport = { dryRun: opts.dryRun, imported: 0, updated: 0, invalid: [], invalidCount: 0, suppressed: 0, unsubscribed: 0, duplicates: 0, welcomed: 0 };
    const seen = new Set<string>();
    // Validating a chunk is CPU work in Node, storing one is work in Postgres: chunk k+1 is
    // validated while chunk k is being checked and written, so on a 2-core machine they overlap.
    // Chunks are still stored one after the other.
    let inFlight: Promise<void> = Promise.resolve();
    for (let i = 0; i < records.length; i += IMPORT_CHUNK) {
      const rows = this.validate(records.slice(i, i + IMPORT_CHUNK), known, seen, report);
      await inFlight;
      const next = this.store(rows, { dryRun: opts.dryRun, welcome }, report);
      // Handled by the await above or below; this only keeps a failure from being reported as
      // unhandled while the next chunk is being validated.
      next.catch(() => undefined);
      inFlight = next;
    }
    await inFlight;
    const welcomed = report.welcomed ? `, ${report.welcomed} welcome emails` : '';
    if (!opts.dryRun) await this.audit.record(opts.by, 'subscribers.import', { detail: `${report.imported} imported, ${report.updated} updated${welcomed}` });
    return report;
  }

  private validate(records: { record: Record; line: number }[], known: string[], seen: Set<string>, report: ImportReport): Row[] {
    const rows: Row[] = [];
    for (const { record, line } of records) {
      try {
        // An export's spreadsheet escaping (src/subscribers/csv-cells.ts) is undone first.
        const email = normalizeEmail(unescapeCell(record.email));
        const name = normalizeName(unescapeCell(record.name) ?? null);
        const topics = normalizeTopics(record.topics ? record.topics.split(TOPIC_SEPARATOR).filter(Boolean) : [], known);
        const timezone = normalizeTimezone(unescapeCell(record.timezone)?.trim() || null);
        const key = email.toLowerCase();
        if (seen.has(key)) {
          report.duplicates++;
          continue;
        }
        seen.add(key);
        rows.push({ line, email, key, name, topics, timezone, hash: emailHash(email) });
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        report.invalidCount++;
        if (report.invalid.length < MAX_REPORTED_INVALID) report.invalid.push({ line, error: err.message });
      }
    }
    return rows;
  }

  /** Checks one chunk against the suppression list and existing readers, then writes what may be. */
  private async store(chunk: Row[], { dryRun, welcome }: { dryRun: boolean; welcome: boolean }, report: ImportReport): Promise<void> {
    if (!chunk.length) return;
    const [suppressed, existing] = await Promise.all([
      this.pool.query<{ email_hash: Buffer }>(this.queries.sql('import-suppressed'), [chunk.map((r) => r.hash)]),
      this.pool.query<{ key: string; status: string }>(this.queries.sql('import-existing'), [chunk.map((r) => r.key)]),
    ]);
    const hashes = new Set(suppressed.rows.map((r) => r.email_hash.toString('hex')));
    const status = new Map(existing.rows.map((r) => [r.key, r.status]));
    const writable: Row[] = [];
    for (const r of chunk) {
      r.existing = status.get(r.key);
      if (hashes.size && hashes.has(r.hash.toString('hex'))) report.suppressed++;
      else if (r.existing === 'unsubscribed') report.unsubscribed++;
      else writable.push(r);
    }
    if (dryRun) {
      for (const r of writable) {
        if (r.existing) report.updated++;
        else {
          report.imported++;
          if (welcome) report.welcomed++;
        }
      }
      return;
    }
    if (writable.length) await this.writeChunk(writable, welcome, report);
  }

  private async writeChunk(chunk: Row[], welcome: boolean, report: ImportReport): Promise<void> {
    const q = this.queries;
    const byKey = new Map(chunk.map((r) => [r.key, r]));
    const welcomeIds = await withTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ id: number; key: string; inserted: boolean }>(q.sql('import-upsert'), [
        chunk.map((r) => r.email), chunk.map((r) => r.name), chunk.map((r) => r.hash), chunk.map((r) => r.timezone),
      ]);
      const ids = rows.map((r) => r.id);
      const pairIds: number[] = [];
      const pairTopics: string[] = [];
      const kinds: string[] = [];
      const topicLists: string[] = [];
      for (const w of rows) {
        const r = byKey.get(w.key)!;
        for (const t of r.topics) {
          pairIds.push(w.id);
          pairTopics.push(t);
        }
        kinds.push(w.inserted || r.existing !== 'confirmed' ? 'confirmed' : 'topics_changed');
        topicLists.push(r.topics.join(','));
        if (w.inserted) report.imported++;
        else report.updated++;
      }
      // Rows the statement skipped were suppressed or unsubscribed between the check and the write.
      report.suppressed += chunk.length - rows.length;
      // Only readers that existed can have topics to replace.
      const updatedIds = rows.filter((w) => !w.inserted).map((w) => w.id);
      if (updatedIds.length) await client.query(q.sql('import-topics-clear'), [updatedIds]);
      await client.query(q.sql('import-topics-insert'), [pairIds, pairTopics]);
      await client.query(q.sql('import-consent'), [ids, kinds, topicLists]);
      // Only the readers this statement inserted: an existing reader (confirmed, or pending and
      // confirmed by this import) is not welcomed again, and a suppressed one was never written.
      const added = rows.filter((w) => w.inserted).map((w) => w.id);
      if (!welcome || !added.length) return [];
      return (await client.query<{ id: number }>(q.sql('transactional-insert-welcomes'), [added])).rows.map((r) => r.id);
    });
    report.welcomed += welcomeIds.length;
    // After the commit, like every transactional mail; the jobs of one turn go to Redis together
    // (one addBulk per chunk), and a lost dispatch is the sweeper's.
    await Promise.all(welcomeIds.map((id) => this.welcome.mail.dispatch(id, 0)));
  }
}
