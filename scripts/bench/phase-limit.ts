/**
 * Phase 2, the limit: the same messages the engine sends (its own MessageBuilder and variant
 * cache, same links, same Message-IDs) built in advance, then pushed straight to the sink from as
 * many processes as the engine had workers. No database, queue or rendering while the clock runs.
 * Pushed twice: by pooled nodemailer transports (the yardstick), and by the engine's own
 * SMTP pool, which skips nodemailer's per-message Mailer pipeline and is the real ceiling here.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { PushVia, PusherJob, PusherReport } from './limit-pusher';
import { children, readProc } from './procs';
import type { SinkProcess } from './sink-client';

export interface PushResult {
  seconds: number;
  emailsPerS: number;
  duplicates: number;
  lost: number;
  /** CPU of the pushing processes, user + system, per 1,000 messages. */
  cpuSecondsPer1000: number;
  /** The sink's CPU in the same round, per 1,000 messages. */
  sinkCpuSecondsPer1000: number;
}

export interface LimitResult {
  messages: number;
  avgBytes: number;
  nodemailer: PushResult;
  smtpPool: PushResult;
}

export type LimitOptions = Omit<PusherJob, 'sinkUrl' | 'part' | 'parts'> & { processes: number; sink: SinkProcess };

function next(child: ChildProcess): Promise<PusherReport> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`limit pusher exited (${code})`));
    child.once('exit', onExit);
    child.once('message', (m: PusherReport) => {
      child.off('exit', onExit);
      resolve(m);
    });
  });
}

export async function runLimit(o: LimitOptions): Promise<LimitResult> {
  const { processes, sink, ...job } = o;
  const pushers = Array.from({ length: processes }, () => {
    const child = fork(path.join(__dirname, 'limit-pusher.ts'), [], { execArgv: ['--require', 'tsx/cjs'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.add(child);
    child.once('exit', () => children.delete(child));
    return child;
  });
  const built = pushers.map((p) => next(p));
  pushers.forEach((p, part) => p.send({ ...job, sinkUrl: sink.url, part, parts: processes } satisfies PusherJob));
  const reports = (await Promise.all(built)) as { built: number; bytes: number }[];
  const messages = reports.reduce((n, r) => n + r.built, 0);
  const bytes = reports.reduce((n, r) => n + r.bytes, 0);

  try {
    const round = async (via: PushVia): Promise<PushResult> => {
      await sink.phase(`limit-${via}`);
      const done = pushers.map((p) => next(p));
      const cpu = () => pushers.reduce((n, p) => n + (readProc(p.pid!)?.cpuSeconds ?? 0), 0);
      const sinkCpu = () => readProc(sink.pid)?.cpuSeconds ?? 0;
      const [cpuBefore, sinkBefore] = [cpu(), sinkCpu()];
      const started = Date.now();
      pushers.forEach((p) => p.send(via));
      const finished = (await Promise.all(done)) as { done: number; failed: number }[];
      const accepted = finished.reduce((n, r) => n + r.done, 0);
      const s = await sink.waitFor(accepted, Date.now() + 10_000);
      const seconds = ((s.lastAt ?? Date.now()) - started) / 1000;
      const per1000 = (x: number) => (x / Math.max(s.received, 1)) * 1000;
      return {
        seconds, emailsPerS: s.received / Math.max(seconds, 1e-3), duplicates: s.duplicates, lost: messages - s.received,
        cpuSecondsPer1000: per1000(cpu() - cpuBefore), sinkCpuSecondsPer1000: per1000(sinkCpu() - sinkBefore),
      };
    };
    const nodemailer = await round('nodemailer');
    const smtpPool = await round('smtp-pool');
    return { messages, avgBytes: bytes / Math.max(messages, 1), nodemailer, smtpPool };
  } finally {
    for (const p of pushers) p.kill('SIGKILL');
  }
}
