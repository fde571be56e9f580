/**
 * Processes of the bench: Tidings processes (compiled dist/src/main.js with ROLE=api|worker), a private
 * redis-server, and a sampler of their CPU time and memory read from /proc.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';

export const REPO_ROOT = path.resolve(__dirname, '../..');
export const LOG_DIR = mkdtempSync(path.join(os.tmpdir(), 'tidings-bench-'));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Every child the bench spawned, registered the moment it is spawned (not when it is ready), so a
 * Ctrl-C during start-up still ends it. A Tidings process must be gone before its database is
 * dropped: it would otherwise create the database again at its next connection attempt.
 */
export const children = new Set<ChildProcess>();

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export async function stopAll(): Promise<void> {
  await Promise.all([...children].map((c) => stopProcess(c, 5000)));
}

/** Sends SIGTERM, waits for the exit (a CPU profile is written then), SIGKILL after `graceMs`. */
export async function stopProcess(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * For investigations only: BENCH_NODE_OPTIONS becomes the processes' NODE_OPTIONS (e.g. a --require
 * hook such as memory-log.cjs), and MEMORY_LOG_DIR is passed on for that hook.
 */
function investigationEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  if (process.env.BENCH_NODE_OPTIONS) out.NODE_OPTIONS = process.env.BENCH_NODE_OPTIONS;
  if (process.env.MEMORY_LOG_DIR) out.MEMORY_LOG_DIR = process.env.MEMORY_LOG_DIR;
  return out;
}

export interface TidingsProcess {
  label: string;
  child: ChildProcess;
  port: number;
  url: string;
  logFile: string;
}

/** `npm run build`: the bench runs the compiled service, as `npm start` and the Docker image do. */
export function buildService(): void {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
  });
}

/**
 * Starts the service as `npm start` and the Docker image do: scripts/start.sh, which picks the V8
 * heap flags of the process's ROLE and execs Node (no npm wrapper, and exec keeps the pid, so the
 * sampler reads the Node process).
 */
export async function startTidings(label: string, env: Record<string, string>, cpuProfDir?: string): Promise<TidingsProcess> {
  const port = await freePort();
  const logFile = path.join(LOG_DIR, `${label}.log`);
  const out = createWriteStream(logFile);
  const nodeFlags = cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', path.join(cpuProfDir, label)] : [];
  const child = track(spawn('sh', ['scripts/start.sh', ...nodeFlags], {
    cwd: REPO_ROOT,
    // The launcher finds `node` on PATH: this Node first.
    env: { PATH: [path.dirname(process.execPath), process.env.PATH ?? ''].join(path.delimiter), HOME: process.env.HOME ?? os.tmpdir(), LOG_LEVEL: 'warn', ...investigationEnv(), ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  }));
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.ok) return { label, child, port, url, logFile };
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`${label} did not become ready; log:\n${readTail(logFile)}`);
}

export function readTail(file: string, bytes = 4000): string {
  try {
    const s = readFileSync(file, 'utf8');
    return s.slice(-bytes);
  } catch {
    return '(no log)';
  }
}

export interface PrivateRedisServer {
  url: string;
  child: ChildProcess;
  peakMemoryMb(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * A redis-server of the bench's own, set up like the production one (AOF every second,
 * noeviction): its peak memory is then the bench's alone, and nothing is left behind.
 */
export async function startRedis(): Promise<PrivateRedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(LOG_DIR, 'redis-'));
  const child = track(spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes',
      '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction'],
    { stdio: 'ignore' },
  ));
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  probe.on('error', () => undefined);
  for (let i = 0; ; i++) {
    try {
      await probe.connect();
      await probe.ping();
      break;
    } catch {
      probe.disconnect();
      if (i > 100 || child.exitCode !== null) throw new Error('bench redis-server did not start (is redis-server installed?)');
      await sleep(50);
    }
  }
  return {
    url,
    child,
    peakMemoryMb: async () => {
      const info = await probe.info('memory');
      const peak = /used_memory_peak:(\d+)/.exec(info)?.[1];
      return peak ? Number(peak) / 1048576 : NaN;
    },
    stop: async () => {
      probe.disconnect();
      await stopProcess(child, 2000);
    },
  };
}

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

export interface ProcUsage {
  /** utime + stime, seconds. */
  cpuSeconds: number;
  rssMb: number;
  /** VmHWM: the kernel's own peak resident set of the process. */
  peakRssMb: number;
}

/** CPU and memory of one process from /proc; undefined once it is gone. */
export function readProc(pid: number): ProcUsage | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name "(…)", which may itself contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    return { cpuSeconds, rssMb: kb('VmRSS') / 1024, peakRssMb: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds the local PostgreSQL server has used so far: every `postgres` process's own time,
 * plus, on the postmaster, that of its children already gone (short-lived backends). Undefined when
 * no server runs on this machine. The whole server is counted: meaningful on a machine that runs
 * nothing but the bench.
 */
export function postgresCpuSeconds(): number | undefined {
  let total = 0;
  let found = false;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const parent = readFileSync(`/proc/${fields[1]}/comm`, 'utf8').trim();
      // utime, stime; and cutime, cstime for the postmaster (whose parent is not postgres).
      total += Number(fields[11]) + Number(fields[12]) + (parent === 'postgres' ? 0 : Number(fields[13]) + Number(fields[14]));
      found = true;
    } catch {
      // The process ended while being read.
    }
  }
  return found ? total / CLK_TCK : undefined;
}

/** Samples processes every interval; keeps the last reading and the peak RSS of each. */
export class ProcSampler {
  private readonly last = new Map<string, ProcUsage>();
  private readonly peak = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly procs: Map<string, number>) {}

  add(label: string, pid: number): void {
    this.procs.set(label, pid);
  }

  sample(): void {
    for (const [label, pid] of this.procs) {
      const u = readProc(pid);
      if (!u) continue;
      this.last.set(label, u);
      this.peak.set(label, Math.max(this.peak.get(label) ?? 0, u.peakRssMb, u.rssMb));
    }
  }

  start(intervalMs = 250): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    this.sample();
    clearInterval(this.timer);
  }

  cpu(label: string): number {
    return this.last.get(label)?.cpuSeconds ?? 0;
  }

  peakRss(label: string): number {
    return this.peak.get(label) ?? 0;
  }
}
