/**
 * The console end to end in headless Chromium: sign in (a wrong key is refused), import the sample
 * issue, open every preview, send it to 200 readers through the SMTP sink while the progress bar
 * climbs to 100 %, read the report; a form posted without its CSRF token is refused; import readers
 * from a CSV file (dry run, then for real from the report).
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './helpers/browser';
import { startTestApp, type TestApp } from './helpers/app';

const SAMPLE = path.resolve(__dirname, '../emails/issues/2024-05-06-china-tmt.md');
const READERS = 200;
const SETS = ['telecom', 'ai', 'nev', 'telecom;ai', 'ai;nev', 'telecom;nev', 'telecom;ai;nev'];

let t: TestApp;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  t = await startTestApp();
  // A SQL fixture: 200 confirmed readers spread over the 7 topic combinations.
  await t.c.pool.query(
    `WITH s AS (
       INSERT INTO subscribers (email, name, status, confirmed_at)
       SELECT 'reader' || g || '@example.org', 'Reader ' || g, 'confirmed', now() FROM generate_series(0, $1::int - 1) g
       RETURNING id, (regexp_match(email, '\\d+'))[1]::int AS n)
     INSERT INTO subscriber_topics (subscriber_id, topic)
     SELECT s.id, t FROM s, unnest(string_to_array(($2::text[])[s.n % 7 + 1], ';')) t`,
    [READERS, SETS],
  );
  expect((await t.c.pool.query("SELECT 1 FROM subscribers WHERE status = 'confirmed'")).rowCount).toBe(READERS);
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const issueCount = async () => (await t.c.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM issues')).rows[0]!.n;

test('sign in, import, preview, send to 200 readers with live progress, report', async () => {
  // Signed out: every console page leads to sign-in.
  await page.goto(`${t.url}/admin/issues`);
  expect(new URL(page.url()).pathname).toBe('/admin/sign-in');

  // A wrong key is refused, with the error beside the field.
  await page.fill('#key', 'td_this-is-not-a-valid-editor-key');
  const refused = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/admin/sign-in') && r.request().method() === 'POST'), page.click('button[type=submit]')]);
  expect(refused[0].status()).toBe(401);
  await expect(page.locator('#key-error').textContent()).resolves.toContain('not valid');

  await page.fill('#key', t.editorKey);
  await page.click('button[type=submit]');
  await page.waitForURL('**/admin/issues');
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === 'tidings_console')!;
  expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/admin' });

  // Import the sample issue; the importer's topics are shown for confirmation.
  await page.goto(`${t.url}/admin/issues/import`);
  await page.setInputFiles('#file', SAMPLE);
  await page.click('form[action="/admin/issues/import"] button[type=submit]');
  await page.waitForURL(/\/admin\/issues\/\d+\/edit\?imported=1/);
  const id = Number(/issues\/(\d+)\//.exec(page.url())![1]);
  await expect(page.locator('.notice').textContent()).resolves.toContain('Imported as a draft');
  expect(await page.locator('[data-item]').count()).toBeGreaterThan(5);

  // A form posted without its CSRF token is refused and changes nothing.
  const before = await issueCount();
  const forged = await page.evaluate(async () => {
    const body = new URLSearchParams({ slug: 'forged', title: 'Forged', 'sections[0].title': 'S', 'sections[0].items[0].title': 'I', op: 'save' });
    const r = await fetch('/admin/issues/new', { method: 'POST', body });
    return r.status;
  });
  expect(forged).toBe(403);
  const wrongToken = await page.evaluate(async (issueId) => {
    const r = await fetch(`/admin/issues/${issueId}/send`, { method: 'POST', body: new URLSearchParams({ _csrf: 'x'.repeat(43) }) });
    return r.status;
  }, id);
  expect(wrongToken).toBe(403);
  expect(await issueCount()).toBe(before);
  expect((await t.c.pool.query('SELECT 1 FROM sends')).rowCount).toBe(0);

  // Save (confirming the suggested topics) → preview matrix.
  await page.click('.sticky-actions button[type=submit]');
  await page.waitForURL(`**/admin/issues/${id}/preview?saved=1`);
  const variants = page.locator('section.variant');
  expect(await variants.count()).toBe(7);
  const frames = page.locator('iframe.preview');
  const n = await frames.count();
  expect(n).toBeGreaterThan(0);
  for (let i = 0; i < n; i++) {
    const frame = frames.nth(i);
    // `sandbox` without allow-scripts: no script can run in a preview.
    expect(await frame.getAttribute('sandbox')).toBe('');
    await frame.scrollIntoViewIfNeeded();
    const src = await frame.getAttribute('src');
    const res = await page.request.get(`${t.url}${src}`);
    expect(res.status()).toBe(200);
    expect(res.headers()['content-security-policy']).toMatch(/^sandbox/);
    await expect(frame.contentFrame().locator('body').innerText({ timeout: 10_000 })).resolves.toMatch(/1\./);
  }
  expect(await page.locator('pre.plain').first().textContent()).toMatch(/^1\. /m);
  await page.click('[data-width=mobile]');
  expect(await page.locator('#matrix').getAttribute('class')).toContain('mobile');

  // Confirm step: readers per variant.
  await page.click(`a[href="/admin/issues/${id}/send"]`);
  await page.waitForURL(`**/admin/issues/${id}/send`);
  const reach = Number(await page.locator('#reach-total').textContent());
  expect(reach).toBeGreaterThan(0);
  expect(reach).toBeLessThanOrEqual(READERS);

  // Send; the progress bar is fed by server-sent events and reaches 100 %.
  const stream = page.waitForResponse((r) => r.url().endsWith(`/admin/issues/${id}/send/events`), { timeout: 20_000 });
  await page.click('#start-send');
  await page.waitForURL(`**/admin/issues/${id}/send?done=started`);
  expect((await stream).headers()['content-type']).toContain('text/event-stream');
  await page.locator('#report').waitFor({ timeout: 40_000 });
  await expect(page.locator('[data-k=percent]').textContent()).resolves.toBe('100%');
  expect(await page.locator('#bar').getAttribute('value')).toBe('100');
  await expect(page.locator('[data-k=sent]').textContent()).resolves.toBe(String(reach));
  await t.sink!.waitFor(reach);
  expect(t.sink!.messages.length).toBe(reach);

  // The report: counts per variant and per topic, no failure, and the audit log names the editor.
  const report = page.locator('#report');
  await expect(report.textContent()).resolves.toContain('Per variant');
  expect(await report.locator('table').first().locator('tbody tr').count()).toBeGreaterThan(1);
  await expect(report.textContent()).resolves.toContain('No failure');
  await expect(page.locator('table.audit').textContent()).resolves.toMatch(/admin\s*send\.start/);
}, 60_000);

test('subscriber CSV import: upload a dry run, read the report, import for real from it', async () => {
  // Signed in by the first test when run with it; signs in itself when run alone.
  await page.goto(`${t.url}/admin/subscribers/import`);
  if (new URL(page.url()).pathname === '/admin/sign-in') {
    await page.fill('#key', t.editorKey);
    await page.click('button[type=submit]');
    await page.waitForURL((u) => u.pathname !== '/admin/sign-in');
    await page.goto(`${t.url}/admin/subscribers/import`);
  }
  const csv = [
    'email,name,topics',
    'new.one@example.org,New One,ai;nev',
    'New.Two@Example.org,,telecom',
    'reader1@example.org,Reader One,ai', // an existing confirmed reader: updated
    'not-an-address,Broken,ai',
    'new.one@example.org,Again,ai', // the same address twice in one file
  ].join('\n');
  const count = async () => (await t.c.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM subscribers')).rows[0]!.n;
  const before = await count();

  await page.setInputFiles('#file', { name: 'readers.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  expect(await page.isChecked('input[name=dryRun]')).toBe(true);
  await page.click('form.card button[type=submit]');
  const report = page.locator('#import-report');
  await report.waitFor();
  await expect(report.locator('h2').textContent()).resolves.toContain('Dry run');
  const stat = (k: string) => report.locator(`[data-k=${k}]`).textContent();
  expect([await stat('imported'), await stat('updated'), await stat('invalid'), await stat('duplicates')]).toEqual(['2', '1', '1', '1']);
  // Invalid lines are reported by line number and reason (line 1 is the header).
  expect(await report.locator('tbody tr').first().locator('td').allTextContents()).toEqual(['5', 'Enter a valid email address, like name@example.com.']);
  expect(await count()).toBe(before); // a dry run writes nothing

  // "Import for real" posts the same file from the report (no second upload), with its CSRF token.
  await page.click('#import-report button[type=submit]');
  await page.locator('#import-report h2', { hasText: 'Imported' }).waitFor();
  expect([await stat('imported'), await stat('updated')]).toEqual(['2', '1']);
  expect(await count()).toBe(before + 2);
  const { rows } = await t.c.pool.query<{ email: string; status: string; topics: string[] }>(
    `SELECT s.email, s.status, array_agg(st.topic ORDER BY st.topic) AS topics FROM subscribers s
     JOIN subscriber_topics st ON st.subscriber_id = s.id WHERE lower(s.email) LIKE 'new.%' GROUP BY s.id ORDER BY lower(s.email)`,
  );
  expect(rows.map((r) => [r.email.toLowerCase(), r.status, r.topics])).toEqual([
    ['new.one@example.org', 'confirmed', ['ai', 'nev']],
    ['new.two@example.org', 'confirmed', ['telecom']],
  ]);
  // The real import is in the audit log with the editor's name; the dry run is not.
  const audit = await t.c.pool.query<{ action: string }>("SELECT action FROM editor_actions WHERE action = 'subscribers.import'");
  expect(audit.rowCount).toBe(1);
}, 30_000);
