/**
 * Coalesces `queue.add` calls made in the same turn of the event loop into one `addBulk`: one
 * Redis round trip (a MULTI of BullMQ's add scripts) for every transactional job dispatched in
 * that turn (under load, the subscribe-request notifications a worker receives together), instead
 * of one per job. Each caller still learns its own outcome: the promise settles when its batch is
 * in Redis. The grouping is GroupedWrites' (src/db/grouped-writes.ts), without its bounds: every
 * turn's adds go at once, however many are still on their way.
 */
import type { JobsOptions, Queue } from 'bullmq';
import { GroupedWrites } from '../db/grouped-writes';

interface Job {
  name: string;
  data: unknown;
  opts: JobsOptions;
}

export class BulkAdder {
  private readonly adds: GroupedWrites<Job>;

  constructor(queue: () => Queue) {
    this.adds = new GroupedWrites(
      async (jobs) => {
        await queue().addBulk(jobs);
      },
      { maxItems: Infinity, maxInFlight: Infinity },
    );
  }

  add(name: string, data: unknown, opts: JobsOptions): Promise<void> {
    return this.adds.add({ name, data, opts });
  }
}
