import { createPool } from '../src/db/pool';
import { Queries } from '../src/db/queries';
import { EditorKeys } from '../src/editors/keys';
import { createTestDatabase, type TestDatabase } from './helpers/db';

describe('editor API keys', () => {
  let db: TestDatabase;
  let keys: EditorKeys;
  let pool: ReturnType<typeof createPool>;
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = createPool(db.url);
    keys = new EditorKeys(pool, Queries.load());
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it('creates a key shown once and stores only its hash', async () => {
    const { editor, key } = await keys.create('Ada');
    expect(key).toMatch(/^td_[A-Za-z0-9_-]{43}$/);
    expect(await keys.authenticate(key)).toMatchObject({ id: editor.id, name: 'Ada' });
    const { rows } = await pool.query('SELECT key_hash::text AS h, key_prefix FROM api_keys');
    expect(JSON.stringify(rows)).not.toContain(key);
    expect(rows[0].key_prefix).toBe(key.slice(0, 6));
  });

  it('refuses unknown, malformed and revoked keys', async () => {
    const { key } = await keys.create('Grace');
    expect(await keys.authenticate(key + 'x')).toBeNull();
    expect(await keys.authenticate('short')).toBeNull();
    expect(await keys.authenticate('a\nb'.repeat(10))).toBeNull();
    const list = await keys.list();
    const id = list.find((k) => k.editor === 'Grace')!.id;
    expect(await keys.revoke(id)).toBe(true);
    expect(await keys.authenticate(key)).toBeNull();
  });

  it('ensure() is idempotent', async () => {
    const key = 'an-editor-key-from-the-environment';
    const a = await keys.ensure(key, 'admin');
    const b = await keys.ensure(key, 'admin');
    expect(a.keyId).toBe(b.keyId);
    expect(a.editor.id).toBe(b.editor.id);
    expect(await keys.authenticate(key)).toMatchObject({ name: 'admin' });
  });
});
