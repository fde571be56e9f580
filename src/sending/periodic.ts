/**
 * A pass that runs every `intervalMs` in this process and never overlaps itself; `stop()` waits
 * for the pass in flight. The reconciler and the scheduler are timers in every worker process
 * rather than BullMQ repeatable jobs: their state is in Postgres, so a flushed or restarted Redis
 * cannot stop them, and a pass that finds nothing to do costs one query.
 */
export class PeriodicPass {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly run: () => Promise<unknown>,
    private readonly intervalMs: number,
    private readonly onError: (err: Error) => void,
  ) {}

  start(): void {
    if (this.timer) return;
    const tick = () => {
      if (this.running) return;
      this.running = this.run()
        .catch((err) => this.onError(err as Error))
        .finally(() => (this.running = undefined));
    };
    this.timer = setInterval(tick, this.intervalMs);
    this.timer.unref();
    tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
