/**
 * Coalesces `queue.add` calls made in the same turn of the event loop into one `addBulk`: one
 * Redis round trip (a MULTI of BullMQ's add scripts) for every transactional job dispatched in
 * that turn (under load, the subscribe-request notifications a worker receives together), instead
 * of one per job. Each caller still learns its own outcome: the promise settles when its batch is
 * in Redis.
 */
import type { JobsOptions, Queue } from 'bullmq';

interface Waiting {
  job: { name: string; data: unknown; opts: JobsOptions };
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class BulkAdder {
  private waiting: Waiting[] = [];
  private scheduled = false;

  constructor(private readonly queue: () => Queue) {}

  add(name: string, data: unknown, opts: JobsOptions): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ job: { name, data, opts }, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.waiting;
    this.waiting = [];
    this.queue()
      .addBulk(batch.map((w) => w.job))
      .then(
        () => batch.forEach((w) => w.resolve()),
        (err: unknown) => batch.forEach((w) => w.reject(err)),
      );
  }
}
