/**
 * BullMQ entry points. Each processor is a thin adapter: parse the job's ids, call a service, map
 * the outcome (a permanent failure becomes UnrecoverableError so BullMQ does not retry it).
 * Workers get their own Redis connection (blocking commands must not share one with queues).
 * A sharded queue (DELIVER_QUEUE_SHARDS) gets one Worker per shard in every process, the process's
 * concurrency split between them, so adding shards spreads Redis load without multiplying the
 * messages in flight per process.
 */
import { Worker, type ConnectionOptions } from 'bullmq';
import type { Container } from '../src/container';
import { connectRedis, queueAddress, shardCount, type QueueName } from '../src/queue';
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
    const shards = shardCount(c.config, spec.queue);
    for (let shard = 0; shard < shards; shard++) handles.push(startWorker(c, spec, shard, Math.max(1, Math.ceil(spec.concurrency / shards))));
    await spec.onStart?.();
  }
  return handles;
}

function startWorker(c: Pick<Container, 'config' | 'log'>, spec: ProcessorSpec, shard: number, concurrency: number): WorkerHandle {
  const connection = connectRedis(c.config);
  const address = queueAddress(c.config, spec.queue, shard);
  const worker = new Worker(address.name, spec.processor, {
    connection: connection as unknown as ConnectionOptions,
    prefix: address.prefix,
    concurrency,
    // A job whose worker died is retried by BullMQ after the lock expires; our processors are
    // idempotent because they claim rows in Postgres first.
    lockDuration: 60_000,
    maxStalledCount: 10,
  });
  worker.on('error', (err) => c.log.warn({ err, queue: address.name }, 'worker error'));
  worker.on('failed', (job, err) =>
    c.log.warn({ queue: address.name, jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, 'job failed'),
  );
  return {
    name: spec.queue,
    worker,
    close: async () => {
      // What onStart began (the reconciler's timer) stops once, with the first shard.
      if (shard === 0) await spec.onStop?.();
      await worker.close();
      connection.disconnect();
    },
  };
}
