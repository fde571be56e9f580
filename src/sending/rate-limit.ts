/**
 * The global send rate (SEND_RATE_PER_SECOND) shared by every worker process: GCRA kept in one Redis
 * key. A caller reserves n messages and is told how long to wait before sending them; reservations
 * are atomic, so K processes together never exceed the rate however they interleave.
 */
import type { RedisClient } from '../queue';

// KEYS[1] theoretical arrival time (ms); ARGV[1] ms per message, ARGV[2] messages.
// Redis TIME, not the caller's clock: processes on different machines agree on "now".
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local nexttat = tat + tonumber(ARGV[1]) * tonumber(ARGV[2])
redis.call('SET', KEYS[1], tostring(nexttat), 'PX', math.ceil(nexttat - now) + 1000)
return tat - now`;

export class SendRateLimiter {
  constructor(
    private readonly redis: RedisClient,
    private readonly key: string,
    private readonly perSecond: number,
  ) {}

  /** Milliseconds to wait before sending n messages; 0 when the rate is unlimited. */
  async reserve(n: number): Promise<number> {
    if (this.perSecond <= 0 || n <= 0) return 0;
    const wait = (await this.redis.eval(RESERVE, 1, this.key, String(1000 / this.perSecond), String(n))) as number;
    return Math.max(0, Number(wait));
  }
}
