/**
 * The ledger against what the SMTP peer captured, reader by reader: duplicates (an address that
 * received the send's subject more than once) and lost readers (a row marked `sent` whose message
 * never arrived). Only `uncertain` rows may be missing from the sink.
 */
import type { TestApp } from './app';

/** Engine settings of the fault tests: short leases and passes, small batches, so faults show quickly. */
export const FAST_ENGINE_ENV = {
  SEND_LEASE_SECONDS: '3',
  SEND_RECONCILE_INTERVAL_MS: '300',
  SEND_RATE_PER_SECOND: '60',
  SEND_BATCH_SIZE: '50',
  SEND_CHUNK_SIZE: '20',
  WORKER_CONCURRENCY: '2',
};

export async function sendOf(t: TestApp, issueId: number): Promise<number> {
  const { rows } = await t.c.pool.query<{ id: number }>('SELECT id FROM sends WHERE issue_id = $1', [issueId]);
  return rows[0]!.id;
}

export interface Audit {
  received: number;
  duplicates: string[];
  lost: string[];
}

export async function audit(t: TestApp, sendId: number, subject: string): Promise<Audit> {
  // The sink parses asynchronously: let messages that were accepted finish arriving.
  await new Promise((r) => setTimeout(r, 300));
  const seen = new Map<string, number>();
  for (const m of t.sink!.messages) {
    if (m.parsed.subject !== subject) continue;
    for (const to of m.to) seen.set(to, (seen.get(to) ?? 0) + 1);
  }
  const { rows } = await t.c.pool.query<{ email: string }>(
    `SELECT s.email FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id WHERE d.send_id = $1 AND d.status = 'sent'`,
    [sendId],
  );
  return {
    received: seen.size,
    duplicates: [...seen].filter(([, n]) => n > 1).map(([a]) => a),
    lost: rows.map((r) => r.email).filter((e) => !seen.has(e)),
  };
}
