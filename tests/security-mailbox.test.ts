/**
 * Issue 11, item 1: the local mailbox is never a public page in production. It shows every
 * confirmation link: a stranger reading it could confirm anyone (double opt-in defeated) and collect
 * every reader's unsubscribe and preferences tokens.
 *  - NODE_ENV=production without SMTP_URL refuses to start, with one line naming SMTP_URL;
 *  - LOCAL_MAILBOX=on in production keeps the mailbox, behind a console session (HTTP and Chromium);
 *  - in development it stays open (tests/local-mailbox.test.ts).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { ConfigError, loadConfig } from '../src/config';
import { startTestApp, type TestApp } from './helpers/app';
import { launchBrowser } from './helpers/browser';
import { signIn } from './helpers/console';
import { waitUntil } from './helpers/delivery';

function configProblem(env: Record<string, string>): ConfigError | undefined {
  try {
    loadConfig(env);
    return undefined;
  } catch (e) {
    return e as ConfigError;
  }
}

test('production without SMTP_URL is refused unless LOCAL_MAILBOX=on; development keeps the mailbox', () => {
  const refused = configProblem({ NODE_ENV: 'production' });
  expect(refused).toBeInstanceOf(ConfigError);
  expect(refused!.problems.map((p) => p.key)).toEqual(['SMTP_URL']);
  expect(refused!.message).not.toContain('\n');
  expect(configProblem({ NODE_ENV: 'production', LOCAL_MAILBOX: 'off' })!.problems.map((p) => p.key)).toEqual(['SMTP_URL']);
  expect(configProblem({ LOCAL_MAILBOX: 'off' })!.problems.map((p) => p.key)).toEqual(['SMTP_URL']);

  expect(loadConfig({ NODE_ENV: 'production', SMTP_URL: 'smtp://relay.example.org:587' })).toMatchObject({ production: true, localMailbox: false });
  expect(loadConfig({ NODE_ENV: 'production', LOCAL_MAILBOX: 'on' })).toMatchObject({ production: true, localMailbox: true });
  expect(loadConfig({})).toMatchObject({ production: false, localMailbox: true });
  expect(configProblem({ LOCAL_MAILBOX: 'yes' })!.problems.map((p) => p.key)).toEqual(['LOCAL_MAILBOX']);
});

test('`NODE_ENV=production npm start` without SMTP_URL exits with one line naming SMTP_URL', () => {
  const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', 'src/main.ts'], {
    cwd: path.resolve(__dirname, '..'),
    env: { ...process.env, NODE_ENV: 'production', SMTP_URL: '', LOCAL_MAILBOX: '', EDITOR_API_KEY: '', TRUST_PROXY: '' },
    encoding: 'utf8',
    timeout: 20000,
  });
  expect(r.status).toBe(2);
  const lines = r.stderr.split('\n').filter((l) => l.trim());
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^Invalid configuration: SMTP_URL: must be set with NODE_ENV=production/);
});

describe('LOCAL_MAILBOX=on with NODE_ENV=production', () => {
  let t: TestApp;
  let browser: Browser | undefined;
  let messageId: number;
  beforeAll(async () => {
    t = await startTestApp({ localMailbox: true, env: { NODE_ENV: 'production', LOCAL_MAILBOX: 'on' } });
    // A real confirmation email, the very thing a stranger must not read.
    const res = await t.fetch('/api/subscriptions', { method: 'POST', json: { email: 'victim@example.org', topics: ['ai'] } });
    expect(res.status).toBe(202);
    messageId = await waitUntil(async () => {
      const { rows } = await t.c.pool.query<{ id: number }>('SELECT id FROM mailbox_messages ORDER BY id LIMIT 1');
      return rows[0]?.id;
    }, 15_000, 'the confirmation email in the local mailbox');
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  test('without a console session every mailbox page is refused and shows nothing', async () => {
    for (const p of ['/dev/mailbox', `/dev/mailbox/${messageId}`, `/dev/mailbox/${messageId}/html`, `/dev/mailbox/${messageId}/raw`]) {
      const res = await t.fetch(p);
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe(`/admin/sign-in?next=${encodeURIComponent(p)}`);
      expect(await res.text()).not.toContain('/confirm/');
    }
    const json = await t.fetch('/dev/mailbox.json');
    expect(json.status).toBe(401);
    expect((await json.json()).error.code).toBe('unauthorized');
    // A cookie that is not a live session does not help either.
    const forged = await t.fetch('/dev/mailbox.json', { headers: { cookie: 'tidings_console=' + 'A'.repeat(43) } });
    expect(forged.status).toBe(401);
  });

  test('a console session opens it: the cookie is scoped to /admin and /dev only', async () => {
    const { res, cookie } = await signIn(t);
    const paths = res.headers.getSetCookie().filter((c) => c.startsWith('tidings_console=')).map((c) => /Path=([^;]+)/.exec(c)![1]);
    expect(paths).toEqual(['/admin', '/dev']);
    const json = await t.fetch('/dev/mailbox.json', { headers: { cookie: cookie! } });
    expect(json.status).toBe(200);
    expect(json.headers.get('cache-control')).toBe('no-store');
    expect((await json.json()).messages[0]).toMatchObject({ envelope_to: ['victim@example.org'] });
    const raw = await t.fetch(`/dev/mailbox/${messageId}/raw`, { headers: { cookie: cookie! } });
    expect(raw.status).toBe(200);
    expect(await raw.text()).toContain('/confirm/');
  });

  test('in Chromium: sign-in leads back to the mailbox, and the message and its HTML part show', async () => {
    browser = await launchBrowser();
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${t.url}/dev/mailbox`);
    expect(new URL(page.url()).pathname).toBe('/admin/sign-in');
    await page.fill('#key', t.editorKey);
    await Promise.all([page.waitForURL(`${t.url}/dev/mailbox`), page.click('button[type=submit]')]);
    await page.click(`a[href="/dev/mailbox/${messageId}"]`);
    await page.waitForURL(`${t.url}/dev/mailbox/${messageId}`);
    // The sandboxed iframe loads with the session cookie too (same site), so the HTML part renders.
    const frame = page.frameLocator('iframe.preview');
    const link = frame.locator('a[href*="/confirm/"]').first();
    await link.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await link.getAttribute('href')).toMatch(/^http:\/\/localhost:3000\/confirm\//);
  }, 30_000);
});
