/**
 * Phase 1, end to end: the editor's send call on the API process, prepare and deliver in the worker
 * processes, SMTP to the sink process. The clock runs from the send call to the last message the
 * sink accepted; counts come from the sink and from the ledger.
 */
import pg from 'pg';
import type { Progress } from '../../src/sending/service';
import type { SinkProcess } from './sink-client';

export type { Progress };

export interface E2eResult {
  issueId: number;
  sendId: number;
  total: number;
  expected: number;
  received: number;
  uncertain: number;
  failed: number;
  skipped: number;
  duplicates: number;
  lost: number;
  seconds: number;
  emailsPerS: number;
  firstMessageS: number;
  /** Ledger rows / (prepare finished − first batch transaction began). */
  prepareRowsPerS: number;
  /** Send call → prepare finished (includes rendering the variants and the snapshot query). */
  prepareSeconds: number;
  status: string;
}

export interface E2eOptions {
  apiUrl: string;
  editorKey: string;
  databaseUrl: string;
  sink: SinkProcess;
  timeoutSeconds: number;
  /** Subscribers loaded (sets the polling interval). */
  expectedTotal: number;
  onProgress?: (p: Progress, received: number) => void;
}

async function api<T>(o: E2eOptions, method: string, path: string): Promise<T> {
  const res = await fetch(o.apiUrl + path, { method, headers: { authorization: `Bearer ${o.editorKey}` } });
  const body = (await res.json()) as T;
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** The sample issue the API process seeds on its empty database. */
async function sampleIssueId(o: E2eOptions): Promise<number> {
  const { issues } = await api<{ issues: { id: number; status: string }[] }>(o, 'GET', '/api/issues');
  const draft = issues.find((i) => i.status === 'draft');
  if (!draft) throw new Error('the API process seeded no draft issue to send');
  return draft.id;
}

export async function runE2e(o: E2eOptions): Promise<E2eResult> {
  const issueId = await sampleIssueId(o);
  await o.sink.phase('e2e');
  const started = Date.now();
  let p = await api<Progress>(o, 'POST', `/api/issues/${issueId}/send`);
  const deadline = started + o.timeoutSeconds * 1000;
  // Progress is counted from the ledger; on a big send poll less often so the polling itself does
  // not load Postgres (the clock stops at the sink's last message, not at the poll).
  const pollMs = Math.min(5000, Math.max(1000, Math.round(o.expectedTotal / 100)));
  while (p.status !== 'completed' && p.status !== 'cancelled' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, pollMs));
    p = await api<Progress>(o, 'GET', `/api/issues/${issueId}/send`);
    o.onProgress?.(p, (await o.sink.stats()).received);
  }
  const expected = p.total - p.skipped;
  // Every message of the send was accepted before its delivery was marked sent; a short wait only
  // covers a message the sink is still counting.
  const s = await o.sink.waitFor(expected - p.uncertain - p.failed, Date.now() + 2000);

  const db = new pg.Client({ connectionString: o.databaseUrl });
  await db.connect();
  let prep: { rows: number; batch_s: number | null; total_s: number | null };
  try {
    const r = await db.query<typeof prep>(
      `SELECT s.total AS rows,
              extract(epoch FROM s.prepared_at - (SELECT min(b.created_at) FROM send_batches b WHERE b.send_id = s.id))::float8 AS batch_s,
              extract(epoch FROM s.prepared_at - s.created_at)::float8 AS total_s
       FROM sends s WHERE s.id = $1`,
      [p.send_id],
    );
    prep = r.rows[0]!;
  } finally {
    await db.end();
  }
  const seconds = ((s.lastAt ?? Date.now()) - started) / 1000;
  return {
    issueId,
    sendId: p.send_id,
    total: p.total,
    expected,
    received: s.received,
    uncertain: p.uncertain,
    failed: p.failed,
    skipped: p.skipped,
    duplicates: s.duplicates,
    lost: expected - s.received - p.uncertain,
    seconds,
    emailsPerS: s.received / Math.max(seconds, 1e-3),
    firstMessageS: s.firstAt ? (s.firstAt - started) / 1000 : NaN,
    // A send small enough for one batch has a single transaction: fall back to the whole prepare.
    prepareRowsPerS: prep.batch_s ? prep.rows / prep.batch_s : prep.total_s ? prep.rows / prep.total_s : NaN,
    prepareSeconds: prep.total_s ?? NaN,
    status: p.status,
  };
}
