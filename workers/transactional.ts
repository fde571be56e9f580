/**
 * BullMQ processor for QUEUE_NAMES.transactional. Two kinds of job, both carrying one id:
 * `request` (a subscribe request to branch on) and `send` (an outbox mail). The process also
 * listens for new subscribe requests (their INSERT notifies; the listener enqueues them) and runs
 * the readers sweeper on a timer, so rows whose notification or job was lost are dispatched again.
 */
import { UnrecoverableError, type Job } from 'bullmq';
import type { Container } from '../src/container';
import { QUEUE_NAMES } from '../src/queue';
import type { ProcessorSpec } from './spec';

const positiveId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

export function transactionalSpec(c: Pick<Container, 'config' | 'log' | 'readers'>): ProcessorSpec {
  const { intervalMs, ageSeconds } = c.config.readersSweep;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const listener = c.readers.listener;

  // A chain of timeouts rather than setInterval: a slow sweep never overlaps the next one.
  const tick = () => {
    running = c.readers.sweeper
      .sweep(ageSeconds)
      .then(
        (r) => {
          if (r.requests || r.messages) c.log.info(r, 'readers sweep re-dispatched rows');
        },
        (err: unknown) => c.log.warn({ err }, 'readers sweep failed'),
      )
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs).unref();
      });
  };

  return {
    queue: QUEUE_NAMES.transactional,
    concurrency: 4,
    processor: async (job: Job<{ messageId?: unknown; requestId?: unknown }>) => {
      // TransientMailError propagates and BullMQ retries with backoff; everything else is final.
      if (job.name === 'request' && positiveId(job.data.requestId)) return c.readers.requests.process(job.data.requestId);
      if (job.name === 'send' && positiveId(job.data.messageId)) return c.readers.mail.deliver(job.data.messageId);
      throw new UnrecoverableError('bad job data');
    },
    onStart: async () => {
      await listener.start();
      tick();
    },
    onStop: async () => {
      stopped = true;
      clearTimeout(timer);
      await listener.stop();
      await running;
    },
  };
}
