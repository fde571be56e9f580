/**
 * Issue 11, item 7: rotating SECRET_KEY keeps the links in emails already sent working.
 * SECRET_KEY_PREVIOUS (comma-separated) verifies old links while new ones are signed with
 * SECRET_KEY; and when an operator sets SECRET_KEY for the first time, the key that was generated
 * and stored before keeps verifying the links it signed. Each step is a restart on one database.
 */
import { ConfigError, loadConfig } from '../src/config';
import { LinkTokens } from '../src/subscribers/link-tokens';
import { startTestApp, type TestApp } from './helpers/app';
import { createTestDatabase, type TestDatabase } from './helpers/db';
import { confirmedReader, linkIn, mailTo, pathOf, subscriberByEmail } from './helpers/readers';

const KEY_A = 'rotation-key-A-0123456789abcdef0123456789';
const KEY_B = 'rotation-key-B-0123456789abcdef0123456789';
const UNRELATED = 'rotation-key-X-0123456789abcdef0123456789';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

const kidOf = (path: string) => path.split('/').pop()!.split('.')[3];
const oneClick = (t: TestApp, path: string) => t.fetch(path, { method: 'POST', headers: FORM, body: 'List-Unsubscribe=One-Click' });

/** A confirmed reader, and the links a real email to them carries (the "already subscribed" mail). */
async function readerWithLinks(t: TestApp, email: string) {
  const id = await confirmedReader(t, email, ['ai']);
  expect((await t.fetch('/api/subscriptions', { method: 'POST', json: { email, topics: ['ai'] } })).status).toBe(202);
  const preferences = pathOf(linkIn(await mailTo(t, email, 2), '/preferences'));
  // Newsletters sign their unsubscribe links with the same signer (src/subscribers/links.ts).
  const unsubscribe = `/unsubscribe/${t.c.linkTokens.sign(id, 'unsubscribe')}`;
  const page = await (await t.fetch(preferences)).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
  return { id, preferences, unsubscribe, csrf };
}

describe('SECRET_KEY rotation', () => {
  const dbs: TestDatabase[] = [];
  const apps: TestApp[] = [];
  const start = async (db: TestDatabase, env: Record<string, string>) => {
    const t = await startTestApp({ db, env });
    apps.push(t);
    return t;
  };
  const stop = async (t: TestApp) => {
    apps.splice(apps.indexOf(t), 1);
    await t.close();
  };
  afterAll(async () => {
    for (const t of apps) await t.close();
    for (const db of dbs) await db.drop();
  });

  it('SECRET_KEY_PREVIOUS verifies the links signed with an earlier key; new links use SECRET_KEY', async () => {
    const db = await createTestDatabase();
    dbs.push(db);
    const before = await start(db, { SECRET_KEY: KEY_A });
    const email = 'rotating.reader@example.org';
    const old = await readerWithLinks(before, email);
    await stop(before);

    const after = await start(db, { SECRET_KEY: KEY_B, SECRET_KEY_PREVIOUS: ` ${UNRELATED} , ${KEY_A} ` });
    expect((await after.fetch(old.preferences)).status).toBe(200);
    // A preference page shown before the restart still posts (its form token verifies too).
    const saved = await after.fetch(old.preferences, { method: 'POST', headers: FORM, body: `csrf=${old.csrf}&action=save&topics=ai&topics=nev` });
    expect(saved.status).toBe(200);
    expect(await subscriberByEmail(after, email)).toMatchObject({ status: 'confirmed', topics: ['ai', 'nev'] });

    // New links are signed with SECRET_KEY: another key id, and they verify.
    const fresh = `/unsubscribe/${after.c.linkTokens.sign(old.id, 'unsubscribe')}`;
    expect(kidOf(fresh)).not.toBe(kidOf(old.unsubscribe));
    expect((await after.fetch(fresh)).status).toBe(200);
    // A key that was never configured verifies nothing.
    const forged = `/unsubscribe/${new LinkTokens([UNRELATED.replace('X', 'Y')]).sign(old.id, 'unsubscribe')}`;
    expect((await oneClick(after, forged)).status).toBe(404);
    expect((await subscriberByEmail(after, email))!.status).toBe('confirmed');

    // The one-click link in an old email unsubscribes (RFC 8058: it must keep working).
    expect((await oneClick(after, old.unsubscribe)).status).toBe(200);
    expect((await subscriberByEmail(after, email))!.status).toBe('unsubscribed');
    await stop(after);

    // Without SECRET_KEY_PREVIOUS the old key is gone: its links are dead.
    const forgotten = await start(db, { SECRET_KEY: KEY_B });
    expect((await forgotten.fetch(old.preferences)).status).toBe(404);
    expect((await forgotten.fetch(fresh)).status).toBe(200);
  });

  it('setting SECRET_KEY for the first time keeps the stored generated key verifying', async () => {
    const db = await createTestDatabase();
    dbs.push(db);
    const generated = await start(db, { SECRET_KEY: '' });
    const { rows } = await generated.c.pool.query<{ value: string }>("SELECT value FROM settings WHERE key = 'secret_key'");
    expect(rows[0]!.value).toBe(generated.c.config.secretKey);
    const email = 'generated.key@example.org';
    const old = await readerWithLinks(generated, email);
    await stop(generated);

    const configured = await start(db, { SECRET_KEY: KEY_B });
    expect(configured.c.config.secretKey).toBe(KEY_B);
    expect((await configured.fetch(old.preferences)).status).toBe(200);
    expect(kidOf(`/u/${configured.c.linkTokens.sign(old.id, 'unsubscribe')}`)).not.toBe(kidOf(old.unsubscribe));
    expect((await oneClick(configured, old.unsubscribe)).status).toBe(200);
    expect((await subscriberByEmail(configured, email))!.status).toBe('unsubscribed');
  });

  it('SECRET_KEY_PREVIOUS is validated like SECRET_KEY, and never echoed', () => {
    expect(loadConfig({ SECRET_KEY_PREVIOUS: `${KEY_A},,${KEY_B}` }).secretKeyPrevious).toEqual([KEY_A, KEY_B]);
    expect(loadConfig({}).secretKeyPrevious).toEqual([]);
    let err: unknown;
    try {
      loadConfig({ SECRET_KEY_PREVIOUS: `${KEY_A},too-short-secret` });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([{ key: 'SECRET_KEY_PREVIOUS', message: 'each key must be at least 32 characters' }]);
    expect((err as Error).message).not.toContain('too-short-secret');
  });
});
