/**
 * Every console page audited with axe-core in Chromium, in both colour schemes, in the states an
 * editor sees them: sign-in (fresh, refused, expired, signed out), the issue list (empty, with an
 * issue), the editor (new, with errors, an import with suggestions), import, the preview matrix
 * (desktop, mobile, a refused test send), the send confirmation, progress (paused), the report with
 * a failure (and its hard bounce, also on the by-topic page and the reader's page), uncertain
 * deliveries and the audit log, subscribers (list, bad filter, one reader, erased), suppressions
 * (counts, filtered, lifted, import report), the CSV import report, and the 403 / 404 pages.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { expectAccessible } from './helpers/axe';
import { launchBrowser } from './helpers/browser';
import { startTestApp, type TestApp } from './helpers/app';
import { fakeUncertain, insertReaders, readerEmail } from './helpers/delivery';

const SAMPLE = path.resolve(__dirname, '../emails/issues/2024-05-06-china-tmt.md');
const READERS = 6;

let t: TestApp;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  // One message a second, one message per chunk (the rate and a pause act between chunks): the send
  // lasts long enough to be paused and seen in progress.
  [t, browser] = await Promise.all([startTestApp({ env: { SEND_RATE_PER_SECOND: '1', SEND_CHUNK_SIZE: '1' } }), launchBrowser()]);
  // One reader's mailbox does not exist, so the report has a failure to show.
  t.sink!.policy = (address) => (address === readerEmail(3) ? { code: 550, message: '5.1.1 No such user' } : undefined);
  await insertReaders(t.c.pool, READERS);
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const submit = (form: string) => page.click(`${form} button[type=submit]`);

// The tests run in order and build on each other (session, the imported issue, its send); each is
// small enough for its own time limit on a loaded machine.
let id: number;

test('sign-in and the empty issue list', async () => {
  await page.goto(`${t.url}/admin/issues`);
  await page.waitForURL('**/admin/sign-in**');
  await expectAccessible(page, 'sign-in');
  await page.fill('#key', 'td_this-is-not-a-valid-editor-key');
  await submit('form[action="/admin/sign-in"]');
  await page.locator('#key-error').waitFor();
  await expectAccessible(page, 'sign-in, wrong key');
  await page.goto(`${t.url}/admin/sign-in?expired=1`);
  await expectAccessible(page, 'sign-in, session expired');
  await page.fill('#key', t.editorKey);
  await submit('form[action="/admin/sign-in"]');
  await page.waitForURL('**/admin/issues');
  await expectAccessible(page, 'issues, none yet');
}, 60_000);

test('the editor and import, with errors and importer suggestions', async () => {
  await page.goto(`${t.url}/admin/issues/new`);
  await expectAccessible(page, 'new issue');
  await page.click('.sticky-actions button[type=submit]');
  await page.locator('#form-errors').waitFor();
  await expectAccessible(page, 'new issue, with errors');

  await page.goto(`${t.url}/admin/issues/import`);
  await expectAccessible(page, 'import');
  await submit('form[action="/admin/issues/import"]');
  await page.locator('#form-errors').waitFor();
  await expectAccessible(page, 'import, nothing chosen');
  await page.setInputFiles('#file', SAMPLE);
  await submit('form[action="/admin/issues/import"]');
  await page.waitForURL(/\/admin\/issues\/\d+\/edit\?imported=1/);
  id = Number(/issues\/(\d+)\//.exec(page.url())![1]);
  await expectAccessible(page, 'editor, imported with suggestions');
}, 90_000);

test('the preview matrix and the issue list', async () => {
  await page.goto(`${t.url}/admin/issues/${id}/edit`);
  await page.click('.sticky-actions button[type=submit]');
  await page.waitForURL(`**/admin/issues/${id}/preview?saved=1`);
  await expectAccessible(page, 'preview');
  await page.click('[data-width=mobile]');
  await expectAccessible(page, 'preview, mobile width');
  await page.goto(`${t.url}/admin/issues/${id}/preview?w=mobile`);
  await expectAccessible(page, 'preview, mobile width without JavaScript');
  await page.fill('#to', 'someone@localhost'); // valid for the browser, refused by the server (one label)
  await submit(`form[action="/admin/issues/${id}/test"]`);
  await page.locator('#to-error').waitFor();
  await expectAccessible(page, 'preview, test send refused');

  await page.goto(`${t.url}/admin/issues`);
  await expectAccessible(page, 'issues');
}, 90_000);

test('send: confirmation, progress, report, uncertain deliveries, at 360 px', async () => {
  await page.goto(`${t.url}/admin/issues/${id}/send`);
  await expectAccessible(page, 'send confirmation');
  // Paused through the API as soon as the start is answered (at one message a second the send is
  // still running): the live page reloads itself when the state changes, which a click on its
  // Pause button could race.
  await Promise.all([
    page.waitForResponse((r) => r.url().endsWith(`/admin/issues/${id}/send`) && r.request().method() === 'POST'),
    page.click('#start-send'),
  ]);
  expect((await t.fetch(`/api/issues/${id}/send/pause`, { method: 'POST', editor: true })).status).toBe(200);
  await page.waitForURL(`**/admin/issues/${id}/send?done=started`);
  // The live page reloads itself when the state it rendered changes: the Resume button appears
  // either server-rendered or after that reload; no navigation of ours may race the reload.
  await page.locator('button[data-action=resume]').waitFor();
  await page.waitForLoadState('load');
  await expectAccessible(page, 'send progress, paused');

  await page.click('button[data-action=resume]');
  await page.locator('#report').waitFor({ timeout: 30_000 });
  await page.waitForLoadState('load');
  await page.goto(`${t.url}/admin/issues/${id}/send`);
  await expect(page.locator('table.failures').textContent()).resolves.toContain('No such user');
  await expectAccessible(page, 'send report with a failure and the audit log');
  // The 5.1.1 refusal is a hard bounce: the bounces-and-complaints table and the by-topic page.
  await expect(page.locator('table.deliverability').textContent()).resolves.toContain('This send');
  await page.goto(`${t.url}/admin/deliverability`);
  await expectAccessible(page, 'bounces and complaints by topic');
  const bounced = await t.c.pool.query<{ id: number }>('SELECT id FROM subscribers WHERE email = $1', [readerEmail(3)]);
  await page.goto(`${t.url}/admin/subscribers/${bounced.rows[0]!.id}`);
  await expect(page.locator('table.bounces').textContent()).resolves.toContain('Hard bounce');
  await expectAccessible(page, 'subscriber with a hard bounce');
  await page.goto(`${t.url}/admin/issues/${id}/send`);

  // Deliveries the relay may or may not have accepted (a fixture: a crash is what makes them).
  const send = await t.c.pool.query<{ id: number }>('SELECT id FROM sends WHERE issue_id = $1', [id]);
  await fakeUncertain(t.c.pool, send.rows[0]!.id, 2);
  await page.goto(`${t.url}/admin/issues/${id}/send`);
  await page.locator('#uncertain').waitFor();
  await expectAccessible(page, 'send report with uncertain deliveries');
  // At phone width the tables scroll sideways: each scrolling box must be reachable by keyboard.
  await page.setViewportSize({ width: 360, height: 800 });
  await expectAccessible(page, 'send report at 360 px');
  await page.goto(`${t.url}/admin/issues/${id}/preview`);
  await expectAccessible(page, 'preview at 360 px');
  await page.setViewportSize({ width: 1280, height: 900 });
}, 120_000);

test('subscribers: list, filters, one reader, erased', async () => {
  await page.goto(`${t.url}/admin/subscribers`);
  await expectAccessible(page, 'subscribers');
  await page.goto(`${t.url}/admin/subscribers?q=reader1&status=confirmed&topic=telecom`);
  await expectAccessible(page, 'subscribers, filtered');
  await page.goto(`${t.url}/admin/subscribers?status=bogus`);
  await page.getByRole('alert').waitFor();
  await expectAccessible(page, 'subscribers, bad filter');

  const { rows } = await t.c.pool.query<{ id: number }>('SELECT id FROM subscribers WHERE email = $1', [readerEmail(1)]);
  await page.goto(`${t.url}/admin/subscribers/${rows[0]!.id}`);
  await expectAccessible(page, 'subscriber');
  await page.check('input[name=confirm]');
  await page.click('button.danger');
  await page.waitForURL('**?erased=1');
  await expectAccessible(page, 'subscriber, erased');
}, 90_000);

test('suppressions: counts, filter, lift with a note (CSRF form), import report', async () => {
  await t.c.suppressions.suppress({ emailHash: Buffer.alloc(32, 7), reason: 'complaint', source: 'arf', detail: 'abuse report' });
  await page.goto(`${t.url}/admin/suppressions`);
  await expectAccessible(page, 'suppressions');
  await page.goto(`${t.url}/admin/suppressions?reason=complaint&q=${readerEmail(3)}`);
  await expectAccessible(page, 'suppressions, filtered, none');
  await page.goto(`${t.url}/admin/suppressions?reason=complaint`);
  const form = page.locator('form[action$="/lift"]').first();
  await form.locator('input[name=note]').fill('Forwarded by mistake, the reader wrote to us.');
  await form.locator('button').click();
  await page.waitForURL('**/admin/suppressions?lifted=1');
  await expectAccessible(page, 'suppressions, lifted');
  const lifted = await t.c.pool.query("SELECT note FROM suppression_lifts WHERE lifted_by = 'editor'");
  expect(lifted.rows).toEqual([{ note: 'Forwarded by mistake, the reader wrote to us.' }]);
  const csv = 'email,reason\nold.bounce@example.org,hard_bounce\nnot-an-address,\n';
  await page.setInputFiles('#file', { name: 'suppressions.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await submit('form[action="/admin/suppressions/import"]');
  await page.locator('#import-report').waitFor();
  expect(await page.textContent('[data-k=added]')).toBe('1');
  await expectAccessible(page, 'suppressions, import report');
}, 90_000);

test('CSV import, error pages, sign-out', async () => {
  await page.goto(`${t.url}/admin/subscribers/import`);
  await expectAccessible(page, 'subscriber import');
  const csv = 'email,name,topics\nnew.one@example.org,New One,ai\nnot-an-address,Broken,ai\n';
  await page.setInputFiles('#file', { name: 'readers.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.click('form.card button[type=submit]');
  await page.locator('#import-report').waitFor();
  await expectAccessible(page, 'subscriber import, dry-run report');

  expect((await page.goto(`${t.url}/admin/issues/999999/preview`))!.status()).toBe(404);
  await expectAccessible(page, 'console 404');
  // A form posted without its CSRF token: the 403 page.
  await Promise.all([
    page.waitForURL('**/admin/issues/new'),
    page.evaluate(() => {
      const f = document.createElement('form');
      f.method = 'post';
      f.action = '/admin/issues/new';
      document.body.append(f);
      f.submit();
    }),
  ]);
  await page.getByRole('alert').waitFor();
  await expectAccessible(page, 'console 403');

  await page.goto(`${t.url}/admin/issues`);
  await page.click('form.signout button[type=submit]');
  await page.waitForURL('**/admin/sign-in?out=1');
  await expectAccessible(page, 'signed out');
}, 90_000);
