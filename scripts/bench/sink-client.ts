/** Forks the sink process (scripts/bench/sink.ts) and talks to it over IPC. */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { children } from './procs';
import type { SinkStats } from './sink';

export class SinkProcess {
  private nextId = 1;
  private readonly pending = new Map<number, (s: SinkStats) => void>();

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.on('message', (m: { id?: number; stats?: SinkStats }) => {
      if (m.id === undefined || !m.stats) return;
      this.pending.get(m.id)?.(m.stats);
      this.pending.delete(m.id);
    });
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.child.pid!;
  }

  static start(): Promise<SinkProcess> {
    const child = fork(path.join(__dirname, 'sink.ts'), [], {
      execArgv: ['--require', 'tsx/cjs'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.add(child);
    child.once('exit', () => children.delete(child));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('bench sink did not start')), 20_000);
      child.once('exit', (code) => reject(new Error(`bench sink exited (${code})`)));
      child.on('message', function ready(m: { ready?: boolean; port?: number }) {
        if (!m.ready) return;
        clearTimeout(timer);
        child.off('message', ready);
        resolve(new SinkProcess(child, m.port!));
      });
    });
  }

  private ask(cmd: { cmd: 'phase'; name: string } | { cmd: 'stats' }): Promise<SinkStats> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('bench sink did not answer')), 10_000);
      this.pending.set(id, (s) => {
        clearTimeout(timer);
        resolve(s);
      });
      this.child.send({ ...cmd, id });
    });
  }

  /** Starts a new phase: counters and duplicate sets start empty. */
  phase(name: string): Promise<SinkStats> {
    return this.ask({ cmd: 'phase', name });
  }

  stats(): Promise<SinkStats> {
    return this.ask({ cmd: 'stats' });
  }

  /** Polls until `n` messages arrived in this phase, or `deadline` (epoch ms) passes. */
  async waitFor(n: number, deadline: number, onTick?: (s: SinkStats) => void): Promise<SinkStats> {
    for (;;) {
      const s = await this.stats();
      onTick?.(s);
      if (s.received >= n || Date.now() > deadline) return s;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  stop(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}
