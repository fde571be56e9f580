/** BullMQ entry point of the prepare stage: `{sendId}` in, the ledger written by the service. */
import { UnrecoverableError, type Job } from 'bullmq';
import type { Container } from '../src/container';
import { QUEUE_NAMES } from '../src/queue';
import type { PrepareJobData } from '../src/sending/dispatcher';
import type { ProcessorSpec } from './spec';

export function prepareSpec(c: Pick<Container, 'sending'>): ProcessorSpec {
  return {
    queue: QUEUE_NAMES.prepare,
    concurrency: 1,
    processor: async (job: Job<PrepareJobData>) => {
      const sendId = Number(job.data?.sendId);
      if (!Number.isSafeInteger(sendId) || sendId <= 0) throw new UnrecoverableError('job data must be {sendId}');
      return { written: await c.sending.preparer.prepare(sendId) };
    },
  };
}
