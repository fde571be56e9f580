/**
 * Issue 19 in Chromium: the signup snippet on a publisher's page served from another local origin
 * (plain form post, return_to back to the publisher), CORS on POST /api/subscriptions for
 * ALLOWED_ORIGINS only, the welcome email (default and edited in the console; none for imported
 * readers), and the console's settings page audited with axe-core.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { signupSnippet } from '../src/http/admin/settings-views';
import { expectAccessible } from './helpers/axe';
import { launchBrowser } from './helpers/browser';
import { startTestApp, type TestApp } from './helpers/app';
import { confirmedReader, linkIn, mailTo } from './helpers/readers';
import { WebhookReceiver } from './helpers/webhook-receiver';

let t: TestApp;
let browser: Browser;
let page: Page;
let rx: WebhookReceiver;
const sites: http.Server[] = [];
let publisher = '';
let stranger = '';

/** A site on its own local origin serving one page. */
async function site(html: () => string): Promise<string> {
  const s = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html()));
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  sites.push(s);
  return `http://localhost:${(s.address() as AddressInfo).port}`;
}

const pageHtml = (form: string) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Publisher</title></head><body><main><h1>Publisher</h1>${form}</main></body></html>`;

beforeAll(async () => {
  rx = await new WebhookReceiver().start();
  publisher = await site(() => pageHtml(signupSnippet(t.url, []).replace('https://your-site.example/newsletter', `${publisher}/thanks`).replace('<fieldset>', `<fieldset><label><input type="checkbox" name="topics" value="ai"> AI</label>`)));
  stranger = await site(() => pageHtml('<p>Not allowed.</p>'));
  [t, browser] = await Promise.all([startTestApp({ env: { ALLOWED_ORIGINS: publisher, WEBHOOK_ALLOW_PRIVATE: '1', WELCOME_EMAIL: 'on' } }), launchBrowser()]);
  page = await browser.newPage();
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
  await rx?.stop();
  for (const s of sites) s.close();
});

test('the snippet posts from the publisher’s page and the answer links back to it', async () => {
  await page.goto(`${publisher}/`);
  await page.fill('#tidings-email', 'embedded.reader@example.org');
  await page.check('input[value="ai"]');
  await page.click('button[type=submit]');
  await page.waitForURL(`${t.url}/subscribe`);
  await expectAccessible(page, 'check your inbox, with return_to');
  const back = page.locator('#return-to');
  expect(await back.getAttribute('href')).toBe(`${publisher}/thanks`);
  await mailTo(t, 'embedded.reader@example.org', 1);
  // A return_to on another origin is dropped.
  const res = await t.fetch('/subscribe', {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email: 'other.reader@example.org', topics: 'ai', return_to: `${stranger}/x` }).toString(),
  });
  expect(await res.text()).not.toContain('return-to');
}, 60_000);

test('CORS: POST /api/subscriptions from an allowed origin works, from another is refused by the browser', async () => {
  const call = (email: string) => page.evaluate(async ([url, email]) => {
    try {
      const r = await fetch(`${url}/api/subscriptions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, topics: ['ai'] }) });
      return r.status;
    } catch {
      return 'blocked';
    }
  }, [t.url, email] as const);
  await page.goto(`${publisher}/`);
  expect(await call('cors.reader@example.org')).toBe(202);
  await page.goto(`${stranger}/`);
  expect(await call('cors.stranger@example.org')).toBe('blocked');
  const pre = await fetch(`${t.url}/api/subscriptions`, { method: 'OPTIONS', headers: { origin: stranger, 'access-control-request-method': 'POST' } });
  expect(pre.headers.get('access-control-allow-origin')).toBeNull();
}, 60_000);

test('welcome email after confirmation: topics and preferences link; none for imported readers', async () => {
  await confirmedReader(t, 'welcome.reader@example.org', ['ai', 'telecom']);
  const welcome = await mailTo(t, 'welcome.reader@example.org', 2);
  expect(welcome.parsed.subject).toBe('Welcome to Tidings');
  const names = (await t.c.topics.list()).filter((x) => ['ai', 'telecom'].includes(x.slug)).map((x) => x.name);
  for (const n of names) expect(welcome.parsed.text).toContain(n);
  expect(linkIn(welcome, '/preferences')).toMatch(/\/preferences\//);

  const csv = 'email,name,topics\nimported.reader@example.org,Imp,ai\n';
  const imp = await t.fetch('/api/subscribers/import', { method: 'POST', editor: true, headers: { 'content-type': 'text/csv' }, body: csv });
  expect(imp.status).toBe(200);
  await new Promise((r) => setTimeout(r, 1500));
  expect(t.sink!.to('imported.reader@example.org')).toHaveLength(0);
}, 60_000);

test('the console settings page: edit the welcome email, add a webhook (secret once), errors — all accessible', async () => {
  await page.goto(`${t.url}/admin/sign-in`);
  await page.fill('#key', t.editorKey);
  await page.click('form[action="/admin/sign-in"] button[type=submit]');
  await page.waitForURL('**/admin/issues');
  await page.goto(`${t.url}/admin/settings`);
  await expectAccessible(page, 'settings');
  await page.fill('#subject', 'Hello from the desk');
  await page.fill('#markdown', 'Glad you are here. **Read us on Mondays.**');
  await page.click('form[action="/admin/settings/welcome"] button[type=submit]');
  await page.waitForURL('**/admin/settings?saved=1');
  await page.fill('#url', 'ftp://nope');
  await page.check('input[value="send.started"]');
  await page.click('form[action="/admin/settings/webhooks"] button[type=submit]');
  await page.locator('#url-error').waitFor();
  await expectAccessible(page, 'settings, webhook error');
  await page.fill('#url', `${rx.url}/console`);
  await page.check('input[value="send.started"]');
  await page.click('form[action="/admin/settings/webhooks"] button[type=submit]');
  expect(await page.locator('.notice code').textContent()).toMatch(/^whsec_/);
  await expectAccessible(page, 'settings, new webhook secret');

  await confirmedReader(t, 'second.welcome@example.org', ['ai']);
  const mail = await mailTo(t, 'second.welcome@example.org', 2);
  expect(mail.parsed.subject).toBe('Hello from the desk');
  expect(mail.parsed.html).toContain('<strong>Read us on Mondays.</strong>');
}, 90_000);
