/**
 * Editor API keys. A key is `td_` + 32 random bytes (base64url), shown once at creation and stored
 * only as its SHA-256. Keys carry 256 bits of entropy, so a fast hash is as safe as a slow one, and
 * lookup by hash means a presented key is never compared byte by byte with a stored secret.
 *
 * EDITOR_API_KEY is the one key a person chooses: it must be 32 characters or more, it keeps no
 * visible prefix (six characters of a chosen secret are a real hint; of a generated key they are
 * not), and it is stored with origin `env`, so that a restart with another value revokes the key
 * the previous value created.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Pool } from '../db/pool';
import type { Queries } from '../db/queries';
import { ValidationError } from '../errors';

export interface Editor {
  id: number;
  name: string;
  email: string | null;
}

/** The key a request presented, once verified: which key (sessions are bound to it) and whose. */
export interface AuthenticatedKey {
  keyId: number;
  editor: Editor;
}

export interface EnsuredKey {
  editor: Editor;
  keyId: number;
  /** False when this value was revoked before: a revoked key is never brought back by config. */
  active: boolean;
  /** Keys of earlier EDITOR_API_KEY values revoked by this call. */
  revokedKeyIds: number[];
}

const KEY_PATTERN = /^[\x21-\x7e]{32,200}$/;

export function hashKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

export class EditorKeys {
  constructor(
    private readonly pool: Pool,
    private readonly queries: Queries,
  ) {}

  /** Creates an editor (or reuses one by name) and a new key for it; the key is returned once. */
  async create(name: string, email?: string): Promise<{ editor: Editor; key: string }> {
    const key = 'td_' + randomBytes(32).toString('base64url');
    const editor = await this.editor(name, email);
    await this.pool.query(this.queries.sql('api-key-insert'), [editor.id, hashKey(key), key.slice(0, 6), 'generated']);
    return { editor, key };
  }

  /**
   * Makes sure EDITOR_API_KEY authenticates as editor `name`, and revokes the keys that earlier
   * values created. Idempotent. "Earlier" is by key id, so two processes started with the old and
   * the new value during a rolling restart end with the new key active whatever their order.
   */
  async ensure(key: string, name = 'admin'): Promise<EnsuredKey> {
    if (!KEY_PATTERN.test(key)) throw new ValidationError('an editor key is 32–200 printable characters', 'key');
    const editor = await this.editor(name, undefined);
    const hash = hashKey(key);
    type Row = { id: number; revoked_at: Date | null };
    const inserted = await this.pool.query<Row>(this.queries.sql('api-key-insert'), [editor.id, hash, '', 'env']);
    const row = inserted.rows[0] ?? (await this.pool.query<Row>(this.queries.sql('api-key-find'), [hash])).rows[0]!;
    const revoked = await this.pool.query<{ id: number }>(this.queries.sql('api-key-revoke-earlier-env'), [row.id]);
    return { editor, keyId: Number(row.id), active: row.revoked_at === null, revokedKeyIds: revoked.rows.map((r) => Number(r.id)) };
  }

  private async editor(name: string, email: string | undefined): Promise<Editor> {
    const trimmed = name.trim();
    if (!trimmed || trimmed.length > 100) throw new ValidationError('editor name must be 1–100 characters', 'name');
    const { rows } = await this.pool.query<Editor>(this.queries.sql('editor-upsert'), [trimmed, email ?? null]);
    return rows[0]!;
  }

  /** The editor a presented key belongs to, or null. */
  async authenticate(key: string): Promise<Editor | null> {
    return (await this.authenticateKey(key))?.editor ?? null;
  }

  /** The key and editor a presented key is, or null when it is unknown, revoked or malformed. */
  async authenticateKey(key: string): Promise<AuthenticatedKey | null> {
    if (!KEY_PATTERN.test(key)) return null;
    const { rows } = await this.pool.query<{ key_id: string; editor_id: number; name: string; email: string | null }>(
      this.queries.sql('api-key-authenticate'),
      [hashKey(key)],
    );
    const row = rows[0];
    return row ? { keyId: Number(row.key_id), editor: { id: row.editor_id, name: row.name, email: row.email } } : null;
  }

  async list(): Promise<{ id: number; key_prefix: string; origin: 'generated' | 'env'; editor: string; created_at: Date; last_used_at: Date | null; revoked_at: Date | null }[]> {
    const { rows } = await this.pool.query(this.queries.sql('api-key-list'));
    return rows;
  }

  async revoke(id: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(this.queries.sql('api-key-revoke'), [id]);
    return rowCount === 1;
  }
}
