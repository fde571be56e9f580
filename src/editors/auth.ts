/**
 * How an editor proves who they are — the console sign-in form and the API's bearer key — under one
 * per-address limit (CONSOLE_SIGNIN_LIMIT_PER_IP per 10 minutes, one Redis counter for both), so
 * guessing a key is as slow through the API as through the form.
 *
 * Sign-in counts every attempt, right or wrong: the counter moves before the key is looked at, so a
 * burst cannot outrun it. The API counts only failures, because a script with a valid key makes
 * many requests; but once an address has used up its attempts a valid key from it is refused too —
 * a 200 among the 429s would tell a guesser which guess was right. Other addresses are unaffected.
 */
import { UnauthorizedError } from '../errors';
import type { RateLimiter } from '../ratelimit';
import type { AuthenticatedKey, Editor, EditorKeys } from './keys';

export interface EditorAuthLimit {
  /** Attempts per address per window; 0 turns the limit off. */
  perIp: number;
  windowSeconds: number;
}

const BUCKET = 'console-signin';

export class EditorAuth {
  constructor(
    private readonly keys: EditorKeys,
    private readonly rateLimiter: RateLimiter,
    private readonly limit: EditorAuthLimit,
  ) {}

  /** The console form: counts the attempt, then checks the key. */
  async signIn(key: unknown, ip: string): Promise<AuthenticatedKey> {
    await this.rateLimiter.hit(BUCKET, ip, this.limit.perIp, this.limit.windowSeconds);
    const found = typeof key === 'string' ? await this.keys.authenticateKey(key.trim()) : null;
    if (!found) throw new UnauthorizedError('That editor key is not valid.', 'key');
    return found;
  }

  /** `Authorization: Bearer <key>`: a wrong key counts (429 past the limit); a right one is let through while the address is under it. */
  async bearer(key: string, ip: string): Promise<Editor> {
    const found = await this.keys.authenticateKey(key);
    if (!found) {
      await this.rateLimiter.hit(BUCKET, ip, this.limit.perIp, this.limit.windowSeconds);
      throw new UnauthorizedError('A valid editor API key is required (Authorization: Bearer <key>).');
    }
    await this.rateLimiter.check(BUCKET, ip, this.limit.perIp);
    return found.editor;
  }
}
