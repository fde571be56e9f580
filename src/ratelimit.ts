/**
 * Fixed-window rate limits kept in Redis, so every API process shares the same counters.
 * A limit of 0 turns the check off (load tests, trusted networks).
 *
 * While Redis is not connected (restarting, unreachable) the counters live in this process's memory
 * instead: a request must neither hang on the offline queue (the connection retries for ever) nor
 * fail — a subscribe request is recorded in Postgres and dispatched when Redis is back — and the
 * limits still hold, per process, for the outage.
 */
import type { RedisClient } from './queue';
import { RateLimitedError } from './errors';

// INCR and set the expiry only on the first hit, atomically: a crash between the two commands
// must not leave a key without a TTL (which would block that client for ever).
const HIT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
return {n, ttl}`;

// The count so far, without counting.
const PEEK = `
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
return {n, redis.call('PTTL', KEYS[1])}`;

/** The fallback counters: one fixed window per key, bounded in number (oldest dropped first). */
class LocalWindows {
  private readonly windows = new Map<string, { n: number; until: number }>();

  count(key: string, windowMs: number): [number, number] {
    const now = Date.now();
    let w = this.windows.get(key);
    if (!w || w.until <= now) {
      this.windows.delete(key);
      w = { n: 0, until: now + windowMs };
      if (this.windows.size >= 100_000) this.windows.delete(this.windows.keys().next().value!);
      this.windows.set(key, w);
    }
    w.n += 1;
    return [w.n, w.until - now];
  }

  peek(key: string): [number, number] {
    const w = this.windows.get(key);
    const left = w ? w.until - Date.now() : 0;
    return left > 0 ? [w!.n, left] : [0, 0];
  }
}

export class RateLimiter {
  private readonly local = new LocalWindows();

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  private get offline(): boolean {
    return this.redis.status !== 'ready';
  }

  /** Counts one hit; throws RateLimitedError when `limit` hits in `windowSeconds` are exceeded. */
  async hit(bucket: string, key: string, limit: number, windowSeconds: number): Promise<void> {
    if (limit <= 0) return;
    const k = `${this.prefix}:rl:${bucket}:${key}`;
    const [count, ttl] = this.offline ? this.local.count(k, windowSeconds * 1000) : (await this.redis.eval(
      HIT,
      1,
      k,
      String(windowSeconds * 1000),
    )) as [number, number];
    if (count > limit) throw new RateLimitedError(Math.max(1, Math.ceil(ttl / 1000)));
  }

  /**
   * Throws RateLimitedError when `key` has used up its `limit` hits in the current window, counting
   * nothing: for requests that must be refused once a client is over a limit that only failures fill.
   */
  async check(bucket: string, key: string, limit: number): Promise<void> {
    if (limit <= 0) return;
    const k = `${this.prefix}:rl:${bucket}:${key}`;
    const [count, ttl] = this.offline ? this.local.peek(k) : ((await this.redis.eval(PEEK, 1, k)) as [number, number]);
    if (count >= limit) throw new RateLimitedError(Math.max(1, Math.ceil(ttl / 1000)));
  }
}
