/**
 * Moving a suppression list between tools: the CSV export (`email_hash,reason,source,created_at`,
 * hashes only, never an address) and the import, which takes that file back or another tool's list
 * of addresses. An import only adds (source `import`); it never lifts or lightens a suppression.
 */
import { stringify } from 'csv-stringify/sync';
import type { Actor, EditorAudit } from '../editors/audit';
import { BadRequestError } from '../errors';
import { readCsvRows, unescapeCell } from './csv-cells';
import { emailHash } from './email-hash';
import { HASH_HEX, SUPPRESSION_REASONS, type SuppressionReason, type Suppressions } from './suppressions';

export const SUPPRESSION_EXPORT_HEADER = ['email_hash', 'reason', 'source', 'created_at'];
const MAX_ROWS = 500_000;
const CHUNK = 5000;
const MAX_REPORTED_INVALID = 1000;
// An address as the form takes it, loosely: a suppression errs on the side of not mailing.
const ADDRESS = /^[^\s@]+@[^\s@]+$/;

export interface SuppressionImportReport {
  /** Rows read (header excluded). */
  rows: number;
  /** Addresses added to the list, or whose reason weighed more than the one they had. */
  added: number;
  /** Already suppressed (for the same or a heavier reason): left as they were. */
  unchanged: number;
  invalid: { line: number; error: string }[];
  invalidCount: number;
}

type Record = { email?: string; email_hash?: string; reason?: string };

function readCsv(text: string): { record: Record; line: number }[] {
  return readCsvRows<Record>(text, (cols) =>
    cols.includes('email') || cols.includes('email_hash') ? null : 'The header row must name an email or an email_hash column (and optionally reason).');
}

/** One row's hash and reason, or the reason it is refused. */
function rowOf(record: Record, fallback: SuppressionReason): { hash: Buffer; reason: SuppressionReason } | string {
  const reason = (record.reason?.trim() || fallback) as SuppressionReason;
  if (!SUPPRESSION_REASONS.includes(reason)) return `reason must be one of ${SUPPRESSION_REASONS.join(', ')}.`;
  const hex = record.email_hash?.trim();
  if (hex) return HASH_HEX.test(hex) ? { hash: Buffer.from(hex, 'hex'), reason } : 'email_hash must be 64 hexadecimal digits (SHA-256).';
  const email = unescapeCell(record.email)?.trim() ?? '';
  if (!email) return 'Each row needs an email or an email_hash.';
  return ADDRESS.test(email) && email.length <= 320 ? { hash: emailHash(email), reason } : 'email must be an email address.';
}

export class SuppressionTransfer {
  constructor(
    private readonly suppressions: Suppressions,
    private readonly audit: EditorAudit,
  ) {}

  /** Rows without a reason column take `reason` (default manual). Recorded as `suppressions.import`. */
  async import(text: string, opts: { reason?: SuppressionReason | undefined; by: Actor }): Promise<SuppressionImportReport> {
    const records = readCsv(text);
    if (records.length > MAX_ROWS) throw new BadRequestError(`At most ${MAX_ROWS} rows per import.`, 'body', 'too_many_rows');
    const report: SuppressionImportReport = { rows: records.length, added: 0, unchanged: 0, invalid: [], invalidCount: 0 };
    for (let i = 0; i < records.length; i += CHUNK) {
      const byReason = new Map<SuppressionReason, Buffer[]>();
      for (const { record, line } of records.slice(i, i + CHUNK)) {
        const row = rowOf(record, opts.reason ?? 'manual');
        if (typeof row === 'string') {
          report.invalidCount++;
          if (report.invalid.length < MAX_REPORTED_INVALID) report.invalid.push({ line, error: row });
          continue;
        }
        const list = byReason.get(row.reason) ?? [];
        if (!list.length) byReason.set(row.reason, list);
        list.push(row.hash);
      }
      for (const [reason, hashes] of byReason) {
        const added = await this.suppressions.suppressMany({ emailHashes: hashes, reason, source: 'import', detail: `import by ${opts.by.name}` });
        report.added += added;
        report.unchanged += hashes.length - added;
      }
    }
    await this.audit.record(opts.by, 'suppressions.import', { detail: `${report.rows} rows: ${report.added} added, ${report.unchanged} unchanged, ${report.invalidCount} invalid` });
    return report;
  }

  /** CSV text chunks: the header, then one chunk per page of the list, in id order. */
  async *exportCsv(): AsyncGenerator<string> {
    yield stringify([SUPPRESSION_EXPORT_HEADER]);
    for await (const page of this.suppressions.all()) {
      yield stringify(page.map((s) => [s.emailHash, s.reason, s.source, s.createdAt.toISOString()]));
    }
  }
}
