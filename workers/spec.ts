/** What a BullMQ entry point declares: its queue, its processor, and what runs beside it. */
import type { Processor } from 'bullmq';
import type { QueueName } from '../src/queue';

export interface ProcessorSpec {
  queue: QueueName;
  concurrency: number;
  processor: Processor;
  /** Called once after the worker starts (e.g. to schedule repeatable jobs). */
  onStart?: () => Promise<void>;
  /** Called when the worker closes (e.g. to stop timers started by onStart). */
  onStop?: () => Promise<void>;
}
