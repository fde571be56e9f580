/**
 * Fixed-window rate limits kept in Redis, so every API process shares the same counters.
 * A limit of 0 turns the check off (load tests, trusted networks).
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

export class RateLimiter {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  /** Counts one hit; throws RateLimitedError when `limit` hits in `windowSeconds` are exceeded. */
  async hit(bucket: string, key: string, limit: number, windowSeconds: number): Promise<void> {
    if (limit <= 0) return;
    const [count, ttl] = (await this.redis.eval(
      HIT,
      1,
      `${this.prefix}:rl:${bucket}:${key}`,
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
    const [count, ttl] = (await this.redis.eval(PEEK, 1, `${this.prefix}:rl:${bucket}:${key}`)) as [number, number];
    if (count >= limit) throw new RateLimitedError(Math.max(1, Math.ceil(ttl / 1000)));
  }
}
