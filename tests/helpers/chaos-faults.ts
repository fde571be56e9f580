/**
 * The faults of `npm run chaos` (tests/chaos/soak.chaos.ts), each injected mid-send into a running
 * deployment of real processes: an API in the test process, worker processes, a private
 * redis-server, a fault proxy in front of the SMTP sink. Each returns the bound on `uncertain` it
 * allows (what was in flight), checked by the caller.
 */
import pg from 'pg';
import type { TestApp } from './app';
import { ledger, spawnWorker, type WorkerProcess } from './delivery';
import type { FaultProxy } from './fault-proxy';
import type { PrivateRedis } from './redis-server';

export interface Deployment {
  t: TestApp;
  smtp: FaultProxy;
  redis: PrivateRedis;
  env: Record<string, string>;
  /** Worker processes by role: `stable` is never faulted (its RSS is the soak's measure). */
  workers: { stable: WorkerProcess; target: WorkerProcess };
  connections: number;
  redisAwayMs: number;
}

export type Fault = (d: Deployment, sendId: number) => Promise<number>;

export function startWorker(d: Pick<Deployment, 't' | 'smtp' | 'env'>): WorkerProcess {
  return spawnWorker(d.t, { ...d.env, SMTP_URL: `smtp://127.0.0.1:${d.smtp.port}` });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function replaceTarget(d: Deployment, signal: NodeJS.Signals): Promise<void> {
  d.workers.target.child.kill(signal);
  await d.workers.target.exited;
  d.workers.target = startWorker(d);
  await d.workers.target.ready;
}

export const FAULTS: Record<string, Fault> = {
  'kill -9': async (d, sendId) => {
    d.workers.target.child.kill('SIGKILL');
    await d.workers.target.exited;
    // The stable worker's lanes are live too: at most one row per connection of each process.
    const inFlight = (await ledger(d.t.c.pool, sendId)).sending ?? 0;
    if (inFlight > 2 * d.connections) throw new Error(`${inFlight} rows sending after kill -9 (> ${2 * d.connections})`);
    d.workers.target = startWorker(d);
    await d.workers.target.ready;
    return d.connections;
  },
  'SIGTERM (rolling restart)': async (d) => {
    await replaceTarget(d, 'SIGTERM');
    return 0;
  },
  pg_terminate_backend: async (d) => {
    const admin = new pg.Client({ connectionString: d.t.db.url });
    await admin.connect();
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
    await admin.end();
    return 0;
  },
  'SMTP slow (2 s per reply)': async (d) => {
    d.smtp.faults.replyDelayMs = 2000;
    await sleep(10_000);
    d.smtp.faults.replyDelayMs = 0;
    return 0;
  },
  'SMTP drop mid-DATA': async (d) => {
    d.smtp.faults.dropMidData = 5;
    await sleep(3000);
    const dropped = 5 - d.smtp.faults.dropMidData;
    d.smtp.faults.dropMidData = 0;
    return dropped;
  },
  'SMTP 421 and close': async (d) => {
    d.smtp.faults.closeWith421 = 20;
    await sleep(3000);
    d.smtp.faults.closeWith421 = 0;
    return 0;
  },
  'Redis restart': async (d) => {
    await d.redis.stop();
    await d.redis.start();
    return 0;
  },
  'Redis away': async (d) => {
    await d.redis.stop();
    await sleep(d.redisAwayMs);
    await d.redis.start();
    return 0;
  },
};

/** Resident memory of a process in bytes (Linux), or undefined. */
export async function rssOf(pid: number | undefined): Promise<number | undefined> {
  if (!pid) return undefined;
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) * 1024 : undefined;
}
