/**
 * Editor API keys. A key is `td_` + 32 random bytes (base64url), shown once at creation and stored
 * only as its SHA-256. Keys carry 256 bits of entropy, so a fast hash is as safe as a slow one, and
 * lookup by hash means a presented key is never compared byte by byte with a stored secret.
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

const KEY_PATTERN = /^[\x21-\x7e]{16,200}$/;

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
    const editor = await this.attach(name, email, key);
    return { editor, key };
  }

  /** Makes sure `key` (e.g. EDITOR_API_KEY) authenticates as editor `name`. Idempotent. */
  async ensure(key: string, name = 'admin'): Promise<Editor> {
    if (!KEY_PATTERN.test(key)) throw new ValidationError('an editor key is 16–200 printable characters', 'key');
    return this.attach(name, undefined, key);
  }

  private async attach(name: string, email: string | undefined, key: string): Promise<Editor> {
    const trimmed = name.trim();
    if (!trimmed || trimmed.length > 100) throw new ValidationError('editor name must be 1–100 characters', 'name');
    const { rows } = await this.pool.query<Editor>(this.queries.sql('editor-upsert'), [trimmed, email ?? null]);
    const editor = rows[0]!;
    await this.pool.query(this.queries.sql('api-key-insert'), [editor.id, hashKey(key), key.slice(0, 6)]);
    return editor;
  }

  /** The editor a presented key belongs to, or null. */
  async authenticate(key: string): Promise<Editor | null> {
    if (!KEY_PATTERN.test(key)) return null;
    const { rows } = await this.pool.query<{ editor_id: number; name: string; email: string | null }>(
      this.queries.sql('api-key-authenticate'),
      [hashKey(key)],
    );
    const row = rows[0];
    return row ? { id: row.editor_id, name: row.name, email: row.email } : null;
  }

  async list(): Promise<{ id: number; key_prefix: string; editor: string; created_at: Date; last_used_at: Date | null; revoked_at: Date | null }[]> {
    const { rows } = await this.pool.query(this.queries.sql('api-key-list'));
    return rows;
  }

  async revoke(id: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(this.queries.sql('api-key-revoke'), [id]);
    return rowCount === 1;
  }
}
