/**
 * Console sessions, server-side in Postgres. The browser holds a random 256-bit id in an HttpOnly
 * cookie; the table holds only its SHA-256, so neither a database dump nor a log line yields a usable
 * session. Each session carries a CSRF token (synchronizer pattern): a form is accepted only when it
 * posts the token of the very session that sends it, compared in constant time.
 * Sessions end four ways: sign-out deletes the row, the idle window lapses, the absolute lifetime
 * (fixed at sign-in) runs out, or the key that signed in is revoked, whichever comes first.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Pool } from '../db/pool';
import type { Queries } from '../db/queries';
import type { EditorAuth } from './auth';
import type { Editor } from './keys';

export interface SessionOptions {
  /** A session unused for this long is over. */
  idleSeconds: number;
  /** A session is over this long after sign-in, however busy. */
  absoluteSeconds: number;
}

export const DEFAULT_SESSION_OPTIONS: SessionOptions = {
  idleSeconds: 60 * 60,
  absoluteSeconds: 12 * 60 * 60,
};

export interface ConsoleSession {
  editor: Editor;
  csrfToken: string;
  expiresAt: Date;
}

const ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

const hashId = (id: string): Buffer => createHash('sha256').update(id, 'utf8').digest();

/** Constant-time comparison of two tokens (a length mismatch is answered without comparing bytes). */
export function tokensMatch(expected: string, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

export class ConsoleSessions {
  constructor(
    private readonly pool: Pool,
    private readonly queries: Queries,
    private readonly auth: EditorAuth,
    readonly options: SessionOptions = DEFAULT_SESSION_OPTIONS,
  ) {}

  /**
   * Exchanges an editor key for a new session bound to that key. Every attempt counts against the
   * IP's limit, wrong or right (src/editors/auth.ts), so guessing keys is slow whatever the guesses are.
   */
  async signIn(key: unknown, ip: string): Promise<{ sessionId: string; session: ConsoleSession }> {
    const o = this.options;
    const { editor, keyId } = await this.auth.signIn(key, ip);
    await this.pool.query(this.queries.sql('console-session-purge'), [o.idleSeconds]);
    const sessionId = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(32).toString('base64url');
    await this.pool.query(this.queries.sql('console-session-insert'), [hashId(sessionId), editor.id, keyId, csrfToken, o.absoluteSeconds]);
    return { sessionId, session: { editor, csrfToken, expiresAt: new Date(Date.now() + o.absoluteSeconds * 1000) } };
  }

  /** The live session for a cookie value, sliding its idle window; null when unknown or expired. */
  async resolve(sessionId: string | undefined): Promise<ConsoleSession | null> {
    if (!sessionId || !ID_PATTERN.test(sessionId)) return null;
    const { rows } = await this.pool.query<{ editor_id: number; name: string; email: string | null; csrf_token: string; expires_at: Date }>(
      this.queries.sql('console-session-touch'),
      [hashId(sessionId), this.options.idleSeconds],
    );
    const r = rows[0];
    if (!r) return null;
    return { editor: { id: r.editor_id, name: r.name, email: r.email }, csrfToken: r.csrf_token, expiresAt: r.expires_at };
  }

  async signOut(sessionId: string | undefined): Promise<void> {
    if (!sessionId || !ID_PATTERN.test(sessionId)) return;
    await this.pool.query(this.queries.sql('console-session-delete'), [hashId(sessionId)]);
  }
}
