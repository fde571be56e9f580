/**
 * A pass that runs again `intervalMs` after the previous one ended, so a slow pass never overlaps
 * the next; `stop()` waits for the pass in flight. The reconciler, the scheduler, ledger retention
 * and the webhook deliverer are timers in every worker process rather than BullMQ repeatable jobs:
 * their state is in Postgres, so a flushed or restarted Redis cannot stop them, and a pass that
 * finds nothing to do costs one query.
 */
export class PeriodicPass {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = true;

  constructor(
    private readonly run: () => Promise<unknown>,
    private readonly intervalMs: number,
    private readonly onError: (err: Error) => void,
    /** When the first pass runs; 0 = at once. */
    private readonly firstDelayMs = 0,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const tick = () => {
      this.running = this.run()
        .catch((err) => this.onError(err as Error))
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.timer = setTimeout(tick, this.intervalMs).unref();
        });
    };
    if (this.firstDelayMs > 0) this.timer = setTimeout(tick, this.firstDelayMs).unref();
    else tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
