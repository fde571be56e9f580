/**
 * BullMQ entry point of the deliver stage: `{batchId}` in; the service claims the batch in Postgres
 * (a job for a batch someone else holds, or that is done, changes nothing). Every worker process
 * also runs the reconciler and the scheduler on timers, so recovery never depends on a job surviving in Redis.
 * This module must not import MJML (directly or through a renderer): deliver processes stay small.
 */
import { UnrecoverableError, type Job } from 'bullmq';
import type { Container } from '../src/container';
import { QUEUE_NAMES } from '../src/queue';
import type { DeliverJobData } from '../src/sending/dispatcher';
import type { ProcessorSpec } from './spec';

export function deliverSpec(c: Pick<Container, 'config' | 'sending'>): ProcessorSpec {
  return {
    queue: QUEUE_NAMES.deliver,
    concurrency: c.config.workerConcurrency,
    processor: async (job: Job<DeliverJobData>) => {
      const batchId = Number(job.data?.batchId);
      if (!Number.isSafeInteger(batchId) || batchId <= 0) throw new UnrecoverableError('job data must be {batchId}');
      return c.sending.deliverer.deliverBatch(batchId);
    },
    // The scheduler runs beside the reconciler: both read Postgres on a timer, so a schedule or a
    // zone due while Redis was flushed or every process was down is still found.
    onStart: async () => {
      await c.sending.reconciler.start();
      c.sending.retention.start();
      c.sending.upkeep.start();
      c.sending.scheduler.start();
    },
    // SIGTERM: lanes finish and record the message they hold, batches go back to pending with a
    // job for another worker; BullMQ's close then waits for those jobs to return.
    onStop: async () => {
      c.sending.deliverer.drain();
      await c.sending.reconciler.stop();
      await c.sending.retention.stop();
      await c.sending.upkeep.stop();
      await c.sending.scheduler.stop();
    },
  };
}
