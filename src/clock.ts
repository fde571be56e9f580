/**
 * The time source of everything that decides by the calendar (scheduled sends, the grace rule,
 * when a reader's zone is due). One per container (src/app.ts), so a test can run a schedule of
 * hours in seconds by giving the container a clock of its own; production uses the system clock.
 * The delivery engine's leases and retries keep Postgres's now(): they measure durations, not dates.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that can be moved (tests): starts at `start`, then runs with real time from there. */
export class AdjustableClock implements Clock {
  private offsetMs: number;
  constructor(start: Date = new Date()) {
    this.offsetMs = start.getTime() - Date.now();
  }
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  set(to: Date): void {
    this.offsetMs = to.getTime() - Date.now();
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
