/** The bench's output: a table with the ratios, and the one-line JSON summary (`--json`). */
import os from 'node:os';
import type { ApiResult } from './phase-api';
import type { E2eResult } from './phase-e2e';
import type { LimitResult } from './phase-limit';
import type { NaiveResult } from './phase-naive';

export interface BenchResult {
  subscribers: number;
  workers: number;
  /** Ledger partitions of earlier sends (`--past-sends`). */
  pastSends: number;
  e2e: E2eResult;
  limit: LimitResult | undefined;
  naive: NaiveResult | undefined;
  api: ApiResult | undefined;
  loadSeconds: number;
  cpuSecondsPer1000: number;
  /** The sink's own CPU in phase 1: it shares the machine with the engine. */
  sinkCpuSecondsPer1000: number;
  /** The local PostgreSQL server's CPU in phase 1 (NaN when it runs elsewhere). */
  postgresCpuSecondsPer1000: number;
  workerPeakRssMb: number[];
  /** Through phase 1: boot, variants, the send. */
  apiPeakRssMb: number;
  /** The whole run, phase 4's autocannon included. */
  apiPeakRssUnderLoadMb: number;
  sinkPeakRssMb: number;
  redisPeakMb: number;
  loadAverage: number[];
  totalSeconds: number;
}

const round = (n: number, d = 1) => (Number.isFinite(n) ? Math.round(n * 10 ** d) / 10 ** d : null);
const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b ? a / b : NaN);

export function summary(r: BenchResult): Record<string, number | string | number[] | null> {
  return {
    subscribers: r.subscribers,
    workers: r.workers,
    past_sends: r.pastSends,
    e2e_emails_per_s: round(r.e2e.emailsPerS),
    e2e_seconds: round(r.e2e.seconds, 2),
    first_message_s: round(r.e2e.firstMessageS, 3),
    limit_emails_per_s: round(r.limit?.nodemailer.emailsPerS ?? NaN),
    limit_smtp_pool_emails_per_s: round(r.limit?.smtpPool.emailsPerS ?? NaN),
    naive_emails_per_s: round(r.naive?.emailsPerS ?? NaN, 2),
    naive_ms_per_email: round(r.naive?.msPerEmail ?? NaN, 2),
    e2e_vs_limit: round(ratio(r.e2e.emailsPerS, r.limit?.nodemailer.emailsPerS), 3),
    e2e_vs_limit_smtp_pool: round(ratio(r.e2e.emailsPerS, r.limit?.smtpPool.emailsPerS), 3),
    e2e_vs_naive: round(ratio(r.e2e.emailsPerS, r.naive?.emailsPerS), 1),
    prepare_rows_per_s: round(r.e2e.prepareRowsPerS, 0),
    prepare_seconds: round(r.e2e.prepareSeconds, 2),
    cpu_s_per_1000_emails: round(r.cpuSecondsPer1000, 3),
    sink_cpu_s_per_1000_emails: round(r.sinkCpuSecondsPer1000, 3),
    postgres_cpu_s_per_1000_emails: round(r.postgresCpuSecondsPer1000, 3),
    limit_smtp_pool_cpu_s_per_1000: round(r.limit?.smtpPool.cpuSecondsPer1000 ?? NaN, 3),
    limit_sink_cpu_s_per_1000: round(r.limit?.smtpPool.sinkCpuSecondsPer1000 ?? NaN, 3),
    worker_peak_rss_mb: round(Math.max(0, ...r.workerPeakRssMb)),
    worker_peak_rss_mb_each: r.workerPeakRssMb.map((x) => round(x) ?? 0),
    api_peak_rss_mb: round(r.apiPeakRssMb),
    api_peak_rss_under_load_mb: round(r.apiPeakRssUnderLoadMb),
    sink_peak_rss_mb: round(r.sinkPeakRssMb),
    redis_peak_mb: round(r.redisPeakMb),
    subscribe_rps: round(r.api?.subscribe.rps ?? NaN),
    subscribe_p50_ms: round(r.api?.subscribe.p50Ms ?? NaN),
    subscribe_p99_ms: round(r.api?.subscribe.p99Ms ?? NaN),
    subscribe_non2xx: r.api?.subscribe.non2xx ?? null,
    unsubscribe_rps: round(r.api?.unsubscribe.rps ?? NaN),
    unsubscribe_p99_ms: round(r.api?.unsubscribe.p99Ms ?? NaN),
    unsubscribe_non2xx: r.api?.unsubscribe.non2xx ?? null,
    unsubscribe_vs_hello: round(ratio(r.api?.unsubscribe.rps, r.api?.hello.rps), 3),
    clicks_rps: round(r.api?.clicks.rps ?? NaN),
    clicks_p99_ms: round(r.api?.clicks.p99Ms ?? NaN),
    clicks_vs_hello: round(ratio(r.api?.clicks.rps, r.api?.hello.rps), 3),
    hello_rps: round(r.api?.hello.rps ?? NaN),
    hello_p99_ms: round(r.api?.hello.p99Ms ?? NaN),
    subscribe_vs_hello: round(ratio(r.api?.subscribe.rps, r.api?.hello.rps), 3),
    expected: r.e2e.expected,
    received: r.e2e.received,
    uncertain: r.e2e.uncertain,
    failed: r.e2e.failed,
    skipped: r.e2e.skipped,
    duplicates: r.e2e.duplicates + (r.limit ? r.limit.nodemailer.duplicates + r.limit.smtpPool.duplicates : 0) + (r.naive?.duplicates ?? 0),
    lost: r.e2e.lost,
    limit_lost: r.limit ? r.limit.nodemailer.lost + r.limit.smtpPool.lost : null,
    naive_lost: r.naive?.lost ?? null,
    send_status: r.e2e.status,
    load_seconds: round(r.loadSeconds, 2),
    total_seconds: round(r.totalSeconds, 1),
    load_average: r.loadAverage.map((x) => round(x, 2) ?? 0),
    cpus: os.cpus().length,
  };
}

export function table(r: BenchResult): string {
  const s = summary(r);
  const f = (v: unknown, unit = '') => (v === null || v === undefined ? 'n/a' : `${v}${unit}`);
  const rows: [string, string, string][] = [
    ['end to end', f(s.e2e_emails_per_s, ' emails/s'), `${r.e2e.received} emails in ${f(s.e2e_seconds, ' s')}, first after ${f(s.first_message_s, ' s')}`],
    ['limit (pre-built, nodemailer pool)', f(s.limit_emails_per_s, ' emails/s'), r.limit ? `${r.limit.messages} messages of ~${Math.round(r.limit.avgBytes / 1024)} KB, ${r.workers} processes` : 'skipped'],
    ['limit (pre-built, engine SMTP pool)', f(s.limit_smtp_pool_emails_per_s, ' emails/s'), 'same messages, no Mailer pipeline'],
    ['naive (MJML + job per email)', f(s.naive_emails_per_s, ' emails/s'), r.naive ? `${f(s.naive_ms_per_email, ' ms')}/email over ${r.naive.messages}` : 'skipped'],
    ['end to end / limit', f(s.e2e_vs_limit), `vs the engine-pool limit ${f(s.e2e_vs_limit_smtp_pool)} (target ≥ 0.85)`],
    ['end to end / naive', f(s.e2e_vs_naive, '×'), 'target ≥ 50×'],
    ['prepare', f(s.prepare_rows_per_s, ' rows/s'), `target ≥ 100,000; send call → prepared ${f(s.prepare_seconds, ' s')}`],
    ['CPU per 1,000 emails', f(s.cpu_s_per_1000_emails, ' s'), `API + workers, user + system, target ≤ 0.25 (the sink: ${f(s.sink_cpu_s_per_1000_emails, ' s')}, Postgres: ${f(s.postgres_cpu_s_per_1000_emails, ' s')})`],
    ['CPU per 1,000, engine-pool limit', f(s.limit_smtp_pool_cpu_s_per_1000, ' s'), `the pushing processes (the sink: ${f(s.limit_sink_cpu_s_per_1000, ' s')}; no Postgres)`],
    ['worker peak RSS', f(s.worker_peak_rss_mb, ' MB'), `each: ${(s.worker_peak_rss_mb_each as number[]).join(', ')} MB; target ≤ 100`],
    ['API peak RSS (the send)', f(s.api_peak_rss_mb, ' MB'), `target ≤ 150; with phase 4 ${f(s.api_peak_rss_under_load_mb, ' MB')}; sink ${f(s.sink_peak_rss_mb, ' MB')}`],
    ['Redis peak memory', f(s.redis_peak_mb, ' MB'), 'private redis-server, used_memory_peak'],
    ['hello-world', f(s.hello_rps, ' req/s'), `p99 ${f(s.hello_p99_ms, ' ms')}`],
    ['POST /api/subscriptions', f(s.subscribe_rps, ' req/s'), `p50 ${f(s.subscribe_p50_ms, ' ms')}, p99 ${f(s.subscribe_p99_ms, ' ms')}, non-2xx ${f(s.subscribe_non2xx)}`],
    ['subscribe / hello', f(s.subscribe_vs_hello), 'target ≥ 0.6, p99 < 50 ms'],
    ['GET /l/:token (302)', f(s.clicks_rps, ' req/s'), `p99 ${f(s.clicks_p99_ms, ' ms')}`],
    ['clicks / hello', f(s.clicks_vs_hello), 'target ≥ 0.5, p99 < 50 ms'],
    ['POST /unsubscribe/:token', f(s.unsubscribe_rps, ' req/s'), `p99 ${f(s.unsubscribe_p99_ms, ' ms')}, non-2xx ${f(s.unsubscribe_non2xx)}`],
    ['one-click / hello', f(s.unsubscribe_vs_hello), 'target ≥ 0.5, p99 < 50 ms'],
    ['duplicates / lost', `${s.duplicates} / ${s.lost}`, `expected ${s.expected}, received ${s.received}, uncertain ${s.uncertain}, failed ${s.failed}, skipped ${s.skipped}`],
  ];
  const w0 = Math.max(...rows.map((x) => x[0].length));
  const w1 = Math.max(...rows.map((x) => x[1].length));
  const head = `Tidings bench: N=${r.subscribers}, K=${r.workers},${r.pastSends ? ` ${r.pastSends} past sends,` : ''} ${os.cpus().length} CPUs, load ${r.loadAverage.map((x) => x.toFixed(2)).join(' ')}, ${new Date().toISOString()}`;
  return [head, ...rows.map(([a, b, c]) => `${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`)].join('\n');
}
