/** BullMQ processor for QUEUE_NAMES.transactional: jobs carry an outbox id; the service does the rest. */
import { UnrecoverableError, type Job } from 'bullmq';
import type { Container } from '../src/app';
import { QUEUE_NAMES } from '../src/queue';
import type { ProcessorSpec } from './index';

export function transactionalSpec(c: Container): ProcessorSpec {
  return {
    queue: QUEUE_NAMES.transactional,
    concurrency: 4,
    processor: async (job: Job<{ messageId?: unknown }>) => {
      const id = job.data.messageId;
      if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) throw new UnrecoverableError('bad job data');
      // TransientMailError propagates and BullMQ retries with backoff; everything else is final.
      return c.readers.mail.deliver(id);
    },
    // Rows whose job never reached Redis (it was down at request time) are sent now.
    onStart: async () => {
      await c.readers.mail.redispatchStale(0);
    },
  };
}
