/**
 * `npm run bench -- [--subscribers N] [--workers K] [--json]`: a real send measured beside the
 * physical limit and the naive design, plus the API under load (docs/performance.md).
 * Everything it starts (database, redis-server, sink, API and worker processes) is torn down at the
 * end, on failure and on Ctrl-C.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, type BenchArgs } from './args';
import { addPastSends, benchDatabase, loadSubscribers, seedSampleIssue } from './db';
import { runApi } from './phase-api';
import { runE2e } from './phase-e2e';
import { runLimit } from './phase-limit';
import { runNaive } from './phase-naive';
import { runPrepareOnly, type PrepareResult } from './phase-prepare';
import { buildService, LOG_DIR, postgresCpuSeconds, ProcSampler, readTail, startRedis, startTidings, stopAll, stopProcess, type TidingsProcess } from './procs';
import { summary, table, type BenchResult } from './report';
import { SinkProcess } from './sink-client';

const cleanups: (() => Promise<void>)[] = [];
let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  return (cleaning ??= (async () => {
    // Processes first (they hold connections to the database and redis), then the rest.
    await stopAll().catch((err: Error) => log(`cleanup: ${err.message}`));
    for (const fn of cleanups.reverse()) await fn().catch((err: Error) => log(`cleanup: ${err.message}`));
  })());
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

async function bench(args: BenchArgs): Promise<BenchResult | PrepareResult> {
  const t0 = performance.now();
  const secretKey = randomBytes(24).toString('hex');
  const editorKey = 'bench-editor-' + randomBytes(12).toString('hex');
  const queuePrefix = `bench_${randomBytes(4).toString('hex')}`;
  const publicUrl = 'https://news.bench.example';
  const mailFrom = 'Tidings Bench <newsletter@bench.example>';
  const postalAddress = 'Tidings, 1 Example Street, Example City';

  buildService();
  const sink = await SinkProcess.start();
  cleanups.push(async () => sink.stop());
  const redis = await startRedis();
  cleanups.push(() => redis.stop());
  const db = benchDatabase();
  cleanups.push(() => (process.env.BENCH_KEEP_DB ? Promise.resolve() : db.drop()));
  await db.create();
  log(`database ${db.name}, redis ${redis.url}, sink ${sink.url}, logs ${LOG_DIR}`);

  await seedSampleIssue(db.url);
  const loadSeconds = await loadSubscribers(db.url, args.subscribers);
  log(`loaded ${args.subscribers} subscribers in ${loadSeconds.toFixed(1)} s`);
  if (args.pastSends > 0) log(`added ${args.pastSends} past sends (ledger partitions) in ${(await addPastSends(db.url, args.pastSends)).toFixed(1)} s`);

  const env = {
    DATABASE_URL: db.url,
    REDIS_URL: redis.url,
    SMTP_URL: sink.url,
    QUEUE_PREFIX: queuePrefix,
    SECRET_KEY: secretKey,
    EDITOR_API_KEY: editorKey,
    PUBLIC_URL: publicUrl,
    MAIL_FROM: mailFrom,
    POSTAL_ADDRESS: postalAddress,
    SMTP_MAX_CONNECTIONS: String(args.smtpConnections),
  };
  const procs: TidingsProcess[] = [];
  cleanups.push(async () => {
    await Promise.all(procs.map((p) => stopProcess(p.child)));
  });
  const sampler = new ProcSampler(new Map([['sink', sink.pid]]));
  sampler.start();
  cleanups.push(async () => sampler.stop());

  if (args.cpuProf) mkdirSync(args.cpuProf, { recursive: true });
  // The database already holds the sample issue, so no process seeds it and all can boot at once.
  const [apiProc, ...workers] = await Promise.all([
    startTidings('api', {
      ...env, ROLE: 'api', SUBSCRIBE_LIMIT_PER_IP: '0', SUBSCRIBE_LIMIT_PER_ADDRESS: '0',
    }, args.cpuProf ? path.resolve(args.cpuProf) : undefined),
    ...Array.from({ length: args.workers }, (_, i) =>
      // --prepare-only holds deliveries back: each batch waits on a rate of one message a second.
      startTidings(`worker${i + 1}`, { ...env, ROLE: 'worker', ...(args.prepareOnly ? { SEND_RATE_PER_SECOND: '1' } : {}) }, args.cpuProf ? path.resolve(args.cpuProf) : undefined),
    ),
  ]);
  procs.push(apiProc);
  sampler.add('api', apiProc.child.pid!);
  procs.push(...workers);
  workers.forEach((w) => sampler.add(w.label, w.child.pid!));
  sampler.sample();
  const labels = ['api', ...workers.map((w) => w.label)];
  const cpuBefore = labels.reduce((n, l) => n + sampler.cpu(l), 0);
  const sinkCpuBefore = sampler.cpu('sink');
  const pgCpuBefore = postgresCpuSeconds();

  if (args.prepareOnly) {
    log(`prepare only: the ledger of ${args.subscribers} subscribers, ${args.workers} worker processes`);
    return runPrepareOnly({
      api: apiProc, workers, sampler, editorKey, databaseUrl: db.url, expected: args.subscribers, timeoutSeconds: args.timeoutSeconds, log,
    });
  }
  log(`phase 1: end to end, ${args.subscribers} subscribers, ${args.workers} worker processes`);
  let lastLog = 0;
  const e2e = await runE2e({
    apiUrl: apiProc.url,
    editorKey,
    databaseUrl: db.url,
    sink,
    timeoutSeconds: args.timeoutSeconds,
    expectedTotal: args.subscribers,
    onProgress: (p, received) => {
      if (Date.now() - lastLog < 5000) return;
      lastLog = Date.now();
      log(`  ${p.status}: total ${p.total}, sent ${p.sent}, pending ${p.pending}, sink ${received}`);
    },
  });
  sampler.sample();
  const cpuSeconds = labels.reduce((n, l) => n + sampler.cpu(l), 0) - cpuBefore;
  const sinkCpuSeconds = sampler.cpu('sink') - sinkCpuBefore;
  const pgCpuAfter = postgresCpuSeconds();
  const pgCpuSeconds = pgCpuBefore !== undefined && pgCpuAfter !== undefined ? pgCpuAfter - pgCpuBefore : NaN;
  const redisPeakMb = await redis.peakMemoryMb();
  if (e2e.status !== 'completed') {
    log(`send did not complete (status ${e2e.status}); worker log tail:\n${readTail(workers[0]!.logFile)}`);
  }
  // Workers stop here (their CPU profiles are written on exit); later phases must not share the CPU.
  await Promise.all(workers.map((w) => stopProcess(w.child)));
  const workerPeakRssMb = workers.map((w) => sampler.peakRss(w.label));
  // The API's peak through the send (issue 20's figure: boot, rendering the variants, the send's
  // status calls); phase 4 loads it with 50 connections afterwards, reported apart.
  const apiSendPeakRssMb = sampler.peakRss('api');

  let limit;
  if (args.limit > 0) {
    const count = Math.min(args.limit, args.subscribers);
    log(`phase 2: the limit, ${count} pre-built messages from ${args.workers} processes × ${args.smtpConnections} pooled connections`);
    limit = await runLimit({
      databaseUrl: db.url, sendId: e2e.sendId, issueId: e2e.issueId, count, connections: args.smtpConnections,
      processes: args.workers, publicUrl, secretKey, mailFrom, sink,
    });
  }
  let naive;
  if (args.naive > 0) {
    const count = Math.min(args.naive, args.subscribers);
    log(`phase 3: the naive design, ${count} recipients`);
    naive = await runNaive({
      databaseUrl: db.url, redisUrl: redis.url, queuePrefix, issueId: e2e.issueId, count,
      connections: args.smtpConnections, publicUrl, secretKey, mailFrom, postalAddress, sink,
    });
  }
  let api;
  if (args.apiSeconds > 0) {
    log(`phase 4: the API, ${args.apiSeconds} s × 4 routes, ${args.apiConnections} connections`);
    await sink.phase('api');
    api = await runApi({ url: apiProc.url, seconds: args.apiSeconds, connections: args.apiConnections, secretKey, subscribers: args.subscribers, databaseUrl: db.url, editorKey });
  }
  sampler.stop();
  return {
    subscribers: args.subscribers,
    workers: args.workers,
    pastSends: args.pastSends,
    e2e,
    limit,
    naive,
    api,
    loadSeconds,
    cpuSecondsPer1000: (cpuSeconds / Math.max(e2e.received, 1)) * 1000,
    sinkCpuSecondsPer1000: (sinkCpuSeconds / Math.max(e2e.received, 1)) * 1000,
    postgresCpuSecondsPer1000: (pgCpuSeconds / Math.max(e2e.received, 1)) * 1000,
    workerPeakRssMb,
    apiPeakRssMb: apiSendPeakRssMb,
    apiPeakRssUnderLoadMb: sampler.peakRss('api'),
    sinkPeakRssMb: sampler.peakRss('sink'),
    redisPeakMb,
    loadAverage: os.loadavg(),
    totalSeconds: (performance.now() - t0) / 1000,
  };
}

async function main(): Promise<void> {
  let args: BenchArgs;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  let failed = false;
  try {
    const result = await bench(args);
    if ('rowsPerS' in result) {
      const f = (n: number) => n.toLocaleString('en', { maximumFractionDigits: 1 });
      console.log(`prepare only, ${f(result.rows)} rows: ${f(result.rowsPerS)} rows/s, send call → prepared ${f(result.prepareSeconds)} s, ` +
        `ledger ${f(result.ledgerMb)} MB, peak RSS api ${f(result.apiPeakRssMb)} MB, workers ${result.workerPeakRssMb.map(f).join(' / ')} MB`);
      if (args.json) console.log(JSON.stringify({ ...result, subscribers: args.subscribers, workers: args.workers, loadAverage: os.loadavg() }));
    } else {
      console.log(table(result));
      if (args.json) console.log(JSON.stringify(summary(result)));
    }
  } catch (err) {
    failed = true;
    // After Ctrl-C the phase in progress fails on its vanished processes: that is no news.
    if (!cleaning) log(`failed: ${(err as Error).stack ?? String(err)}`);
    log(`process logs kept in ${LOG_DIR}`);
  } finally {
    await cleanup();
  }
  if (!failed && !process.env.BENCH_KEEP_LOGS) rmSync(LOG_DIR, { recursive: true, force: true });
  process.exit(failed ? 1 : 0);
}

void main();
