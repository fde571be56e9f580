/**
 * BullMQ entry points. Each processor is a thin adapter: parse the job's ids, call a service, map
 * the outcome (a permanent failure becomes UnrecoverableError so BullMQ does not retry it).
 * Workers get their own Redis connection (blocking commands must not share one with queues).
 */
import { Worker } from 'bullmq';
import type { Container } from '../src/container';
import { createRedis, type QueueName } from '../src/queue';
import type { ProcessorSpec } from './spec';
import { transactionalSpec } from './transactional';
import { prepareSpec } from './prepare';
import { deliverSpec } from './deliver';

export interface WorkerHandle {
  readonly name: QueueName;
  readonly worker: Worker;
  close(): Promise<void>;
}

/**
 * Every processor this process runs; each capability contributes its own. A new processor is a
 * file here exporting `xSpec(c: Pick<Container, …what it uses>)`, and one line below.
 */
export function processorSpecs(c: Container): ProcessorSpec[] {
  return [
    transactionalSpec(c),
    prepareSpec(c),
    deliverSpec(c),
  ];
}

export async function startWorkers(c: Pick<Container, 'config' | 'log'>, specs: ProcessorSpec[]): Promise<WorkerHandle[]> {
  const handles: WorkerHandle[] = [];
  for (const spec of specs) {
    const connection = createRedis(c.config.redisUrl);
    const worker = new Worker(spec.queue, spec.processor, {
      connection,
      prefix: c.config.queuePrefix,
      concurrency: spec.concurrency,
      // A job whose worker died is retried by BullMQ after the lock expires; our processors are
      // idempotent because they claim rows in Postgres first.
      lockDuration: 60_000,
      maxStalledCount: 10,
    });
    worker.on('error', (err) => c.log.warn({ err, queue: spec.queue }, 'worker error'));
    worker.on('failed', (job, err) =>
      c.log.warn({ queue: spec.queue, jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, 'job failed'),
    );
    handles.push({
      name: spec.queue,
      worker,
      close: async () => {
        await spec.onStop?.();
        await worker.close();
        connection.disconnect();
      },
    });
    await spec.onStart?.();
  }
  return handles;
}
