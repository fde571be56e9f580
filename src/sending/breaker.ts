/**
 * The circuit breaker's failure window, per send, in this process: when permanent failures pass
 * both a minimum count and a share of outcomes within the window, the send is paused (an address
 * list gone bad or a relay refusing everything should not burn through the whole list). Each
 * worker process judges from its own sample, which with many messages per process is
 * representative; an SMTP authentication failure trips it at once (see deliver.ts).
 */
export interface BreakerOptions {
  minFailures: number;
  failurePercent: number;
  windowMs: number;
}

interface Entry {
  at: number;
  outcomes: number;
  failures: number;
}

export class FailureWindow {
  private readonly bySend = new Map<number, Entry[]>();

  constructor(
    private readonly opts: BreakerOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a chunk's outcomes; returns a reason when the breaker should trip. */
  record(sendId: number, outcomes: number, failures: number): string | undefined {
    const now = this.now();
    const list = (this.bySend.get(sendId) ?? []).filter((e) => e.at > now - this.opts.windowMs);
    list.push({ at: now, outcomes, failures });
    this.bySend.set(sendId, list);
    const total = list.reduce((n, e) => n + e.outcomes, 0);
    const failed = list.reduce((n, e) => n + e.failures, 0);
    if (failed >= this.opts.minFailures && failed * 100 >= total * this.opts.failurePercent) {
      this.bySend.delete(sendId);
      return `too many permanent failures: ${failed} of ${total} in ${Math.round(this.opts.windowMs / 1000)} s`;
    }
    return undefined;
  }
}
