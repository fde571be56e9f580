/**
 * Job dispatch for the delivery engine. Jobs carry ids only and have deterministic ids
 * (`b-<batch>-<gen>`, `p-<send>-<gen>`): a generation is bumped whenever a batch is re-queued, so a
 * re-dispatch is never swallowed by BullMQ remembering an older job with the same id.
 * With DELIVER_QUEUE_SHARDS > 1 a batch always goes to shard `batchId mod shards`, so every
 * generation of one batch lands in the same queue, where `batchJobAlive` looks for it.
 */
import type { Pool } from '../db/pool';
import type { Queries } from '../db/queries';
import { QUEUE_NAMES, type Queues } from '../queue';

export interface PrepareJobData {
  sendId: number;
}
export interface DeliverJobData {
  batchId: number;
}

export interface Dispatcher {
  prepare(sendId: number, gen: number): Promise<void>;
  batch(batchId: number, gen: number, delayMs?: number): Promise<void>;
  /** Many batches at once (one Redis round trip per few hundred). */
  batches(list: readonly { id: number; gen: number }[]): Promise<void>;
  /** Whether a job for this batch generation is still waiting, delayed or running. */
  batchJobAlive(batchId: number, gen: number): Promise<boolean>;
}

export const batchJobId = (batchId: number, gen: number) => `b-${batchId}-${gen}`;
export const prepareJobId = (sendId: number, gen: number) => `p-${sendId}-${gen}`;

function deliverJobOptions(batchId: number, gen: number, delayMs = 0) {
  return {
    jobId: batchJobId(batchId, gen),
    delay: delayMs > 0 ? Math.ceil(delayMs) : undefined,
    attempts: 5,
    backoff: { type: 'exponential' as const, delay: 1000 },
    // Completed jobs are not kept: the ledger is the record, and 1M-reader sends would
    // otherwise fill Redis with thousands of finished job hashes.
    removeOnComplete: true,
    removeOnFail: 1000,
  };
}

export class QueueDispatcher implements Dispatcher {
  constructor(private readonly queues: Queues) {}

  async prepare(sendId: number, gen: number): Promise<void> {
    const data: PrepareJobData = { sendId };
    await this.queues.get(QUEUE_NAMES.prepare).add('prepare', data, {
      jobId: prepareJobId(sendId, gen),
      attempts: 5,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: true,
      removeOnFail: 1000,
    });
  }

  private deliverQueue(batchId: number) {
    return this.queues.get(QUEUE_NAMES.deliver, batchId % this.queues.shards(QUEUE_NAMES.deliver));
  }

  async batch(batchId: number, gen: number, delayMs = 0): Promise<void> {
    const data: DeliverJobData = { batchId };
    await this.deliverQueue(batchId).add('deliver', data, deliverJobOptions(batchId, gen, delayMs));
  }

  async batches(list: readonly { id: number; gen: number }[]): Promise<void> {
    const shards = this.queues.shards(QUEUE_NAMES.deliver);
    for (let shard = 0; shard < shards; shard++) {
      const mine = list.filter((b) => Number(b.id) % shards === shard);
      const queue = this.queues.get(QUEUE_NAMES.deliver, shard);
      for (let i = 0; i < mine.length; i += 500) {
        await queue.addBulk(
          mine.slice(i, i + 500).map((b) => ({ name: 'deliver', data: { batchId: Number(b.id) }, opts: deliverJobOptions(Number(b.id), b.gen) })),
        );
      }
    }
  }

  async batchJobAlive(batchId: number, gen: number): Promise<boolean> {
    const job = await this.deliverQueue(batchId).getJob(batchJobId(batchId, gen));
    return !!job && !job.finishedOn;
  }
}

/**
 * Enqueues every pending batch of a send under a new generation: when prepare has written the
 * whole snapshot, on resume, and after uncertain rows were sent back to pending.
 */
export async function dispatchPendingBatches(pool: Pool, queries: Queries, dispatcher: Dispatcher, sendId: number): Promise<void> {
  const { rows } = await pool.query<{ id: number; gen: number }>(queries.sql('batches-pending-for-send'), [sendId]);
  await dispatcher.batches(rows);
}
