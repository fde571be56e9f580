/**
 * Issue 19, "not for imported readers unless asked": a CSV import sends the welcome email only with
 * ?welcome=1 (the console's checkbox, audited with axe-core), only to the readers it adds, with their topics.
 */
import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from './helpers/app';
import { expectAccessible } from './helpers/axe';
import { launchBrowser } from './helpers/browser';
import { linkIn, mailTo } from './helpers/readers';

let t: TestApp;
let browser: Browser | undefined;

beforeAll(async () => {
  t = await startTestApp({ env: { WELCOME_EMAIL: 'on' } });
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const importCsv = async (csv: string, query = '') => {
  const res = await t.fetch(`/api/subscribers/import${query}`, { method: 'POST', editor: true, headers: { 'content-type': 'text/csv' }, body: csv });
  expect(res.status).toBe(200);
  return (await res.json()) as { imported: number; updated: number; suppressed: number; welcomed: number };
};
const settle = () => new Promise((r) => setTimeout(r, 1500));

test('welcome=1: each added reader gets one welcome email with their topics; a re-import sends none', async () => {
  const readers: [string, string[]][] = [['w1@example.org', ['ai']], ['w2@example.org', ['ai', 'telecom']], ['w3@example.org', ['telecom']]];
  const csv = `email,name,topics\n${readers.map(([e, topics]) => `${e},,${topics.join(';')}`).join('\n')}\n`;
  expect(await importCsv(csv, '?welcome=1&dryRun=1')).toMatchObject({ imported: 3, welcomed: 3 });
  expect(await importCsv(csv, '?welcome=1')).toMatchObject({ imported: 3, welcomed: 3 });
  const names = new Map((await t.c.topics.list()).map((x) => [x.slug, x.name]));
  for (const [email, topics] of readers) {
    const mail = await mailTo(t, email, 1);
    expect(mail.parsed.subject).toBe('Welcome to Tidings');
    for (const slug of topics) expect(mail.parsed.text).toContain(names.get(slug)!);
    expect(linkIn(mail, '/preferences')).toMatch(/\/preferences\//);
  }
  // The same readers again, asked again: they exist, so nobody is welcomed twice.
  expect(await importCsv(csv, '?welcome=1')).toMatchObject({ imported: 0, updated: 3, welcomed: 0 });
  await settle();
  for (const [email] of readers) expect(t.sink!.to(email)).toHaveLength(1);
}, 60_000);

test('without welcome=1 (or welcome=0) an import sends nothing; suppressed addresses get nothing either', async () => {
  expect(await importCsv('email,name,topics\nquiet1@example.org,,ai\n')).toMatchObject({ imported: 1, welcomed: 0 });
  expect(await importCsv('email,name,topics\nquiet2@example.org,,ai\n', '?welcome=0')).toMatchObject({ imported: 1, welcomed: 0 });
  await t.fetch('/api/suppressions/import?reason=manual', { method: 'POST', editor: true, headers: { 'content-type': 'text/csv' }, body: 'email\nblocked@example.org\n' });
  expect(await importCsv('email,name,topics\nblocked@example.org,,ai\n', '?welcome=1')).toMatchObject({ imported: 0, suppressed: 1, welcomed: 0 });
  await settle();
  for (const e of ['quiet1@example.org', 'quiet2@example.org', 'blocked@example.org']) expect(t.sink!.to(e)).toHaveLength(0);
  const rows = await t.c.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM transactional_messages WHERE kind = 'welcome'`);
  expect(rows.rows[0]!.n).toBe(3);
}, 60_000);

test('a bad welcome value is refused before anything is written', async () => {
  const res = await t.fetch('/api/subscribers/import?welcome=yes', { method: 'POST', editor: true, headers: { 'content-type': 'text/csv' }, body: 'email\nnope@example.org\n' });
  expect(res.status).toBe(422);
});

test('console: the checkbox (labelled, off by default) rides from the dry run to the real import', async () => {
  browser = await launchBrowser();
  const page = await browser.newPage();
  await page.goto(`${t.url}/admin/sign-in`);
  await page.fill('#key', t.editorKey);
  await page.click('button[type=submit]');
  await page.waitForURL((u) => u.pathname !== '/admin/sign-in');
  await page.goto(`${t.url}/admin/subscribers/import`);
  const box = page.getByLabel('Send the welcome email to the readers this import adds');
  expect(await box.isChecked()).toBe(false);
  await expectAccessible(page, 'subscriber import with the welcome checkbox');
  await page.setInputFiles('#file', { name: 'r.csv', mimeType: 'text/csv', buffer: Buffer.from('email,name,topics\nconsole.welcome@example.org,,ai\nw1@example.org,,ai\n') });
  await box.check();
  await page.click('form.card button[type=submit]');
  const report = page.locator('#import-report');
  await report.waitFor();
  expect(await report.locator('[data-k=welcomed]').textContent()).toBe('1');
  expect(await page.isChecked('#import-welcome-real')).toBe(true);
  await expectAccessible(page, 'subscriber import dry run, welcome ticked');
  await page.click('#import-report button[type=submit]');
  await page.locator('#import-report h2', { hasText: 'Imported' }).waitFor();
  expect(await report.locator('[data-k=welcomed]').textContent()).toBe('1');
  expect((await mailTo(t, 'console.welcome@example.org', 1)).parsed.subject).toBe('Welcome to Tidings');
  await new Promise((r) => setTimeout(r, 1000));
  expect(t.sink!.to('w1@example.org')).toHaveLength(1); // existing: still only the first welcome
}, 60_000);
