/**
 * `npm run bench -- --subscribers N --prepare-only`: how fast the ledger of N readers is written and
 * what it costs in memory (docs/scaling.md). One API and K worker processes on the bench's database;
 * the workers' deliver stage is held back (SEND_RATE_PER_SECOND=1, so each batch waits on the rate
 * limit and sends almost nothing), the clock runs until the send is prepared, and the send is
 * paused afterwards. Reported: ledger rows/s (rows ÷ first batch transaction → prepared_at),
 * the send call → prepared time, peak RSS per process (sampled from /proc while it runs), and the
 * ledger's size on disk.
 */
import pg from 'pg';
import type { ProcSampler, TidingsProcess } from './procs';

export interface PrepareResult {
  rows: number;
  rowsPerS: number;
  prepareSeconds: number;
  ledgerMb: number;
  workerPeakRssMb: number[];
  apiPeakRssMb: number;
}

export async function runPrepareOnly(o: {
  api: TidingsProcess;
  workers: TidingsProcess[];
  sampler: ProcSampler;
  editorKey: string;
  databaseUrl: string;
  expected: number;
  timeoutSeconds: number;
  log: (msg: string) => void;
}): Promise<PrepareResult> {
  const call = async <T>(method: string, path: string): Promise<T> => {
    const res = await fetch(o.api.url + path, { method, headers: { authorization: `Bearer ${o.editorKey}` } });
    const body = (await res.json()) as T;
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(body)}`);
    return body;
  };
  const { issues } = await call<{ issues: { id: number; status: string }[] }>('GET', '/api/issues');
  const issueId = issues.find((i) => i.status === 'draft')?.id;
  if (!issueId) throw new Error('the API process seeded no draft issue to send');
  await call('POST', `/api/issues/${issueId}/send`);
  const deadline = Date.now() + o.timeoutSeconds * 1000;
  let lastLog = 0;
  for (;;) {
    o.sampler.sample();
    const p = await call<{ send_id: number; prepared: boolean; total: number; status: string }>('GET', `/api/issues/${issueId}/send`);
    if (p.prepared) break;
    if (Date.now() > deadline) throw new Error(`prepare did not finish within ${o.timeoutSeconds} s (total so far ${p.total})`);
    if (Date.now() - lastLog > 10_000) {
      lastLog = Date.now();
      o.log(`  preparing: ${p.total} of ${o.expected} rows`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  o.sampler.sample();
  const db = new pg.Client({ connectionString: o.databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ id: number; rows: number; batch_s: number | null; total_s: number; bytes: string }>(
      `SELECT s.id, s.total AS rows,
              extract(epoch FROM s.prepared_at - (SELECT min(b.created_at) FROM send_batches b WHERE b.send_id = s.id))::float8 AS batch_s,
              extract(epoch FROM s.prepared_at - s.created_at)::float8 AS total_s,
              pg_total_relation_size(format('deliveries_s%s', s.id)) AS bytes
       FROM sends s WHERE s.issue_id = $1`,
      [issueId],
    );
    const r = rows[0]!;
    // Paused, not cancelled: a cancel rewrites every pending row (minutes at 10M); the bench drops the database anyway.
    await call('POST', `/api/issues/${issueId}/send/pause`).catch(() => undefined);
    return {
      rows: r.rows,
      rowsPerS: r.rows / (r.batch_s || r.total_s),
      prepareSeconds: r.total_s,
      ledgerMb: Number(r.bytes) / 1048576,
      workerPeakRssMb: o.workers.map((w) => o.sampler.peakRss(w.label)),
      apiPeakRssMb: o.sampler.peakRss('api'),
    };
  } finally {
    await db.end();
  }
}
