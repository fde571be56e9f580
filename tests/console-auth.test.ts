/**
 * Console sessions and forms over plain HTTP: cookie flags, CSRF refusals that change nothing,
 * expiry (idle and absolute) back to sign-in, sign-out deleting the session, the sign-in limit, and
 * editor-form errors that point at the input they are about.
 */
import { startTestApp, type TestApp } from './helpers/app';
import { cookieOf, signIn } from './helpers/console';

let t: TestApp;
let https: TestApp;

beforeAll(async () => {
  [t, https] = await Promise.all([
    startTestApp({ env: { CONSOLE_SIGNIN_LIMIT_PER_IP: '8' } }),
    startTestApp({ env: { PUBLIC_URL: 'https://news.example.org' } }),
  ]);
}, 30_000);

afterAll(async () => {
  await Promise.all([t?.close(), https?.close()]);
});


async function csrfFrom(app: TestApp, cookie: string, path: string): Promise<string> {
  const res = await app.fetch(path, { headers: { cookie } });
  expect(res.status).toBe(200);
  return /name="_csrf" value="([^"]+)"/.exec(await res.text())![1]!;
}

const post = (app: TestApp, path: string, cookie: string, fields: Record<string, string>) =>
  app.fetch(path, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });

test('session cookie: HttpOnly, SameSite=Strict, Path=/admin; Secure only behind https; only a hash is stored', async () => {
  const { res, cookie } = await signIn(t);
  expect(res.status).toBe(303);
  expect(res.headers.get('location')).toBe('/admin/issues');
  const line = cookieOf(res, 'tidings_console')!;
  expect(line).toMatch(/HttpOnly/);
  expect(line).toMatch(/SameSite=Strict/);
  expect(line).toMatch(/Path=\/admin/);
  expect(line).not.toMatch(/Secure/);
  const raw = cookie!.split('=')[1]!;
  const stored = await t.c.pool.query<{ id_hash: Buffer }>('SELECT id_hash FROM console_sessions');
  expect(stored.rows.some((r) => r.id_hash.toString('base64url') === raw || r.id_hash.toString('utf8') === raw)).toBe(false);

  const secure = await signIn(https);
  expect(cookieOf(secure.res, 'tidings_console')).toMatch(/; Secure/);
});

test('a wrong key is refused with 401 and no session', async () => {
  const { res, cookie } = await signIn(t, 'td_wrong-key-wrong-key-wrong-key');
  expect(res.status).toBe(401);
  expect(cookie).toBeUndefined();
  expect(await res.text()).toContain('not valid');
});

test('forms without, or with a wrong, CSRF token are refused with 403 and change nothing', async () => {
  const { cookie } = await signIn(t);
  const sub = (
    await t.c.pool.query<{ id: number }>(
      "INSERT INTO subscribers (email, name, status, confirmed_at) VALUES ('keep@example.org', 'Keep', 'confirmed', now()) RETURNING id",
    )
  ).rows[0]!;

  const none = await post(t, `/admin/subscribers/${sub.id}/erase`, cookie!, { confirm: 'yes' });
  expect(none.status).toBe(403);
  expect(await none.text()).toContain('Forbidden');
  const wrong = await post(t, `/admin/subscribers/${sub.id}/erase`, cookie!, { confirm: 'yes', _csrf: 'A'.repeat(43) });
  expect(wrong.status).toBe(403);
  // Another session's token is no good either: tokens are bound to their session.
  const other = await signIn(t);
  const otherToken = await csrfFrom(t, other.cookie!, '/admin/issues');
  expect((await post(t, `/admin/subscribers/${sub.id}/erase`, cookie!, { confirm: 'yes', _csrf: otherToken })).status).toBe(403);
  const still = await t.c.pool.query("SELECT status FROM subscribers WHERE id = $1", [sub.id]);
  expect(still.rows[0].status).toBe('confirmed');

  // With the right token the same post works.
  const token = await csrfFrom(t, cookie!, '/admin/issues');
  const ok = await post(t, `/admin/subscribers/${sub.id}/erase`, cookie!, { confirm: 'yes', _csrf: token });
  expect(ok.status).toBe(303);
  expect((await t.c.pool.query('SELECT status FROM subscribers WHERE id = $1', [sub.id])).rows[0].status).toBe('erased');
  const audit = await t.c.pool.query("SELECT editor_name, action FROM editor_actions WHERE action = 'subscriber.erase'");
  expect(audit.rows).toEqual([{ editor_name: 'admin', action: 'subscriber.erase' }]);
});

test('expired sessions (idle or absolute) and signed-out sessions lead back to sign-in', async () => {
  const signedOut = await t.fetch('/admin/issues');
  expect(signedOut.status).toBe(303);
  expect(signedOut.headers.get('location')).toBe('/admin/sign-in?next=%2Fadmin%2Fissues');

  const idle = await signIn(t);
  await t.c.pool.query("UPDATE console_sessions SET last_seen_at = now() - interval '2 hours'");
  const r1 = await t.fetch('/admin/issues', { headers: { cookie: idle.cookie! } });
  expect(r1.status).toBe(303);
  expect(r1.headers.get('location')).toContain('expired=1');

  const absolute = await signIn(t);
  await t.c.pool.query("UPDATE console_sessions SET expires_at = now() - interval '1 second'");
  const r2 = await t.fetch('/admin/issues', { headers: { cookie: absolute.cookie! } });
  expect(r2.status).toBe(303);
  expect(r2.headers.get('location')).toContain('/admin/sign-in');

  const live = await signIn(t);
  expect((await t.fetch('/admin/issues', { headers: { cookie: live.cookie! } })).status).toBe(200);
  const token = await csrfFrom(t, live.cookie!, '/admin/issues');
  const out = await post(t, '/admin/sign-out', live.cookie!, { _csrf: token });
  expect(out.status).toBe(303);
  expect(cookieOf(out, 'tidings_console')).toMatch(/Max-Age=0/);
  expect((await t.fetch('/admin/issues', { headers: { cookie: live.cookie! } })).status).toBe(303);
});

test('the editor form answers 422 with each error beside its input, and add-item works without JavaScript', async () => {
  const { cookie } = await signIn(t);
  const token = await csrfFrom(t, cookie!, '/admin/issues/new');
  const fields = {
    _csrf: token, op: 'save', slug: 'Bad Slug', title: 'T',
    'sections[0].title': 'News', 'sections[0].items[0].title': 'One', 'sections[0].items[0].date': '2024-02-30',
    'sections[0].items[1].title': '', 'sections[0].items[1].links[0].label': 'x', 'sections[0].items[1].links[0].url': 'javascript:alert(1)',
  };
  const res = await post(t, '/admin/issues/new', cookie!, fields);
  expect(res.status).toBe(422);
  const body = await res.text();
  for (const id of ['f-slug', 'f-sections-0-items-0-date', 'f-sections-0-items-1-title', 'f-sections-0-items-1-links-0-url']) {
    expect(body).toContain(`id="${id}"`);
    expect(body).toMatch(new RegExp(`id="${id}"[^>]*aria-invalid="true"`));
    expect(body).toContain(`id="${id}-error"`);
  }
  // What the editor typed comes back, escaped.
  expect(body).toContain('value="javascript:alert(1)"');
  expect(await t.c.issues.count()).toBe(0);

  const added = await post(t, '/admin/issues/new', cookie!, { ...fields, op: 'add-item:0' });
  expect(added.status).toBe(200);
  expect(await added.text()).toContain('name="sections[0].items[2].title"');
});

test('sign-in attempts are limited per IP', async () => {
  // The earlier tests used some of the 8 attempts; keep trying until the limit answers.
  let status = 0;
  for (let i = 0; i < 10 && status !== 429; i++) status = (await signIn(t, 'td_wrong-key-wrong-key-wrong-key')).res.status;
  expect(status).toBe(429);
  expect((await signIn(t)).res.status).toBe(429);
});
