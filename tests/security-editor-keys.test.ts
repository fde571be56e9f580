/**
 * Issue 11, items 3 and 6: editor keys cannot be guessed through the API, and a key's end is the
 * end of its console sessions.
 *  - Failed bearer attempts count per client address in the console sign-in's limiter and answer
 *    429 past the limit; a valid key from that address is then refused too, one from another
 *    address is not. Client addresses are real: requests leave from 127.0.0.2, .3, … (all loopback).
 *  - EDITOR_API_KEY must be ≥ 32 characters and keeps no visible prefix; generated keys keep theirs.
 *  - Revoking a key ends its console sessions at once; a restart with another EDITOR_API_KEY revokes
 *    the key the previous value created (and its sessions), and leaves generated keys alone.
 */
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../src/config';
import { createPool } from '../src/db/pool';
import { migrate, MIGRATIONS_DIR } from '../src/db/migrate';
import { hashKey } from '../src/editors/keys';
import { startTestApp, type TestApp } from './helpers/app';
import { signIn } from './helpers/console';
import { createTestDatabase, type TestDatabase } from './helpers/db';
import { requestFrom } from './helpers/http-from';

const LIMIT = 5;
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ env: { CONSOLE_SIGNIN_LIMIT_PER_IP: String(LIMIT) } });
}, 30_000);
afterAll(() => t?.close());

const bearer = (from: string, key: string) => requestFrom(from, `${t.url}/api/issues`, { headers: { authorization: `Bearer ${key}` } });
const WRONG = 'td_' + 'x'.repeat(43);

test('wrong bearer keys are limited per address, in the sign-in limiter; other addresses are unaffected', async () => {
  for (let i = 1; i <= LIMIT; i++) {
    const res = await bearer('127.0.0.2', `${WRONG}${i}`);
    expect(res.status).toBe(401);
    expect(JSON.parse(res.text).error.code).toBe('unauthorized');
  }
  const limited = await bearer('127.0.0.2', `${WRONG}x`);
  expect(limited.status).toBe(429);
  expect(JSON.parse(limited.text).error.code).toBe('rate_limited');
  expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);

  // The right key from the limited address is refused as well: a 200 there would tell a guesser.
  expect((await bearer('127.0.0.2', t.editorKey)).status).toBe(429);
  // …while another address keeps working, key and all.
  expect((await bearer('127.0.0.3', t.editorKey)).status).toBe(200);
  expect((await bearer('127.0.0.3', WRONG)).status).toBe(401);

  // One limiter: the console sign-in from the limited address is refused before the key is looked at.
  const form = await requestFrom('127.0.0.2', `${t.url}/admin/sign-in`);
  const pre = String(form.headers['set-cookie']?.find((c) => c.startsWith('tidings_console_pre='))).split(';')[0]!;
  const token = /name="_csrf" value="([^"]+)"/.exec(form.text)![1]!;
  const signin = await requestFrom('127.0.0.2', `${t.url}/admin/sign-in`, {
    method: 'POST',
    headers: { cookie: pre, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: token, key: t.editorKey }).toString(),
  });
  expect(signin.status).toBe(429);
});

test('failed console sign-ins use up the same allowance for the API', async () => {
  const from = '127.0.0.4';
  for (let i = 0; i < LIMIT; i++) {
    const form = await requestFrom(from, `${t.url}/admin/sign-in`);
    const pre = String(form.headers['set-cookie']?.find((c) => c.startsWith('tidings_console_pre='))).split(';')[0]!;
    const token = /name="_csrf" value="([^"]+)"/.exec(form.text)![1]!;
    const res = await requestFrom(from, `${t.url}/admin/sign-in`, {
      method: 'POST',
      headers: { cookie: pre, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: token, key: WRONG }).toString(),
    });
    expect(res.status).toBe(401);
  }
  expect((await bearer(from, t.editorKey)).status).toBe(429);
});

test('a concurrent burst of wrong keys gets exactly the limit of 401s', async () => {
  const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => bearer('127.0.0.5', `${WRONG}${i}`)));
  const count = (s: number) => answers.filter((a) => a.status === s).length;
  expect(count(401)).toBe(LIMIT);
  expect(count(429)).toBe(40 - LIMIT);
});

test('a request without a key is refused without counting', async () => {
  for (let i = 0; i < LIMIT + 2; i++) {
    expect((await requestFrom('127.0.0.6', `${t.url}/api/issues`)).status).toBe(401);
  }
  expect((await bearer('127.0.0.6', t.editorKey)).status).toBe(200);
});

test('EDITOR_API_KEY needs 32 characters and keeps no visible prefix; generated keys keep theirs', async () => {
  let err: unknown;
  try {
    loadConfig({ EDITOR_API_KEY: 'twenty-chars-long-ok' });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as ConfigError).problems.map((p) => p.key)).toEqual(['EDITOR_API_KEY']);
  expect(loadConfig({ EDITOR_API_KEY: 'k'.repeat(32) }).editorApiKey).toBe('k'.repeat(32));

  const env = await t.c.pool.query<{ key_prefix: string }>('SELECT key_prefix FROM api_keys WHERE key_hash = $1', [hashKey(t.editorKey)]);
  expect(env.rows[0]!.key_prefix).toBe('');
  const { key } = await t.c.editorKeys.create('Grace');
  const generated = await t.c.pool.query<{ key_prefix: string }>('SELECT key_prefix FROM api_keys WHERE key_hash = $1', [hashKey(key)]);
  expect(generated.rows[0]!.key_prefix).toBe(key.slice(0, 6));
});

test('revoking a key ends the console sessions it opened, at once, and only those', async () => {
  const { key } = await t.c.editorKeys.create('Ada');
  const ada = (await signIn(t, key)).cookie!;
  const admin = (await signIn(t)).cookie!;
  expect((await t.fetch('/admin/issues', { headers: { cookie: ada } })).status).toBe(200);

  const id = (await t.c.editorKeys.list()).find((k) => k.editor === 'Ada')!.id;
  expect(await t.c.editorKeys.revoke(id)).toBe(true);

  const after = await t.fetch('/admin/issues', { headers: { cookie: ada } });
  expect(after.status).toBe(303);
  expect(after.headers.get('location')).toMatch(/^\/admin\/sign-in\?next=%2Fadmin%2Fissues&expired=1$/);
  expect((await t.fetch('/admin/issues', { headers: { cookie: admin } })).status).toBe(200);
});

describe('a restart with another EDITOR_API_KEY', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  test('revokes the key the previous value created, and its sessions; generated keys stay', async () => {
    const first = await startTestApp({ db });
    const oldKey = first.editorKey;
    const session = (await signIn(first)).cookie!;
    const { key: generated } = await first.c.editorKeys.create('Lin');
    await first.close();

    const second = await startTestApp({ db });
    try {
      expect(second.editorKey).not.toBe(oldKey);
      const api = (key: string) => second.fetch('/api/issues', { headers: { authorization: `Bearer ${key}` } });
      expect((await api(oldKey)).status).toBe(401);
      expect((await api(second.editorKey)).status).toBe(200);
      expect((await api(generated)).status).toBe(200);
      const page = await second.fetch('/admin/issues', { headers: { cookie: session } });
      expect(page.status).toBe(303);
      expect(page.headers.get('location')).toContain('/admin/sign-in');
      const keys = await second.c.editorKeys.list();
      expect(keys.filter((k) => k.origin === 'env').map((k) => k.revoked_at === null)).toEqual([false, true]);
    } finally {
      await second.close();
    }
  }, 30_000);
});

test('migration 009 marks keys made from EDITOR_API_KEY before it, clears their prefix, and ends old sessions', async () => {
  const db = await createTestDatabase({ migrated: false });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tidings-mig-'));
  const pool = createPool(db.url, 2);
  try {
    for (const f of readdirSync(MIGRATIONS_DIR).filter((f) => f < '009')) copyFileSync(path.join(MIGRATIONS_DIR, f), path.join(dir, f));
    await migrate(pool, dir);
    const editor = (await pool.query<{ id: number }>("INSERT INTO editors (name) VALUES ('admin') RETURNING id")).rows[0]!.id;
    await pool.query(
      `INSERT INTO api_keys (editor_id, key_hash, key_prefix) VALUES ($1, '\\x01', 'my-env'), ($1, '\\x02', 'td_abc')`,
      [editor],
    );
    await pool.query(`INSERT INTO console_sessions (id_hash, editor_id, csrf_token, expires_at) VALUES ('\\x03', $1, 'c', now() + interval '1 hour')`, [editor]);
    // Only 009 on top: later migrations (010 …) are not this test's business.
    for (const f of readdirSync(MIGRATIONS_DIR).filter((f) => f.startsWith('009'))) copyFileSync(path.join(MIGRATIONS_DIR, f), path.join(dir, f));
    expect(await migrate(pool, dir)).toEqual([9]);
    const { rows } = await pool.query<{ key_prefix: string; origin: string }>('SELECT key_prefix, origin FROM api_keys ORDER BY id');
    expect(rows).toEqual([{ key_prefix: '', origin: 'env' }, { key_prefix: 'td_abc', origin: 'generated' }]);
    expect((await pool.query('SELECT 1 FROM console_sessions')).rowCount).toBe(0);
  } finally {
    await pool.end();
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  }
});
