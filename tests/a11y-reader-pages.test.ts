/**
 * Every page a reader (or a developer at /dev/mailbox) can reach, audited with axe-core in Chromium
 * in both colour schemes, walked the way a reader walks them: the subscribe form (empty, with an
 * address or a topic error), "check your inbox", the confirmation email in the local mailbox,
 * confirm, a real newsletter's links (stop one topic, preferences, unsubscribe), the archive and
 * the issue's web version, and the "link not valid" and "not found" pages.
 */
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { sampleIssueFiles } from '../src/issues/sample';
import { expectAccessible } from './helpers/axe';
import { launchBrowser } from './helpers/browser';
import { startTestApp, type TestApp } from './helpers/app';
import { waitForStatus, waitUntil } from './helpers/delivery';

const EMAIL = 'a11y.reader@example.org';

let t: TestApp;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  [t, browser] = await Promise.all([startTestApp({ localMailbox: true }), launchBrowser()]);
  page = await browser.newPage();
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** The local mailbox's messages to the reader, newest first, as the mailbox page lists them. */
async function openMail(subject: RegExp): Promise<string> {
  await page.goto(`${t.url}/dev/mailbox`);
  await page.getByRole('link', { name: subject }).first().click();
  await page.waitForURL(/\/dev\/mailbox\/\d+$/);
  return (await page.locator('pre').first().textContent()) ?? '';
}

/** The path of a link in a plain-text part (PUBLIC_URL is not the test server's address). */
function pathIn(text: string, re: RegExp): string {
  const m = re.exec(text);
  if (!m) throw new Error(`no ${re} in: ${text}`);
  const u = new URL(m[0]);
  return u.pathname + u.search;
}

test('the subscribe form, its answers, confirmation, the mailbox', async () => {
  await page.goto(`${t.url}/`);
  await expectAccessible(page, 'subscribe form');

  await page.getByLabel('Email address').fill('not-an-address');
  await page.getByRole('button', { name: 'Subscribe' }).click();
  await page.getByRole('alert').waitFor();
  await expectAccessible(page, 'subscribe form with an error');
  await page.getByLabel('Email address').fill(EMAIL);
  await page.getByRole('button', { name: 'Subscribe' }).click();
  await page.locator('#topics-error').waitFor();
  await expectAccessible(page, 'subscribe form without a topic');

  await page.getByLabel('Email address').fill(EMAIL);
  await page.getByLabel(/Telecom/).check();
  await page.getByLabel(/Artificial intelligence/).check();
  await page.getByRole('button', { name: 'Subscribe' }).click();
  await page.getByRole('heading', { name: 'Check your inbox' }).waitFor();
  await expectAccessible(page, 'check your inbox');

  await waitUntil(async () => (await t.c.pool.query("SELECT 1 FROM mailbox_messages")).rowCount, 15_000, 'the confirmation email');
  await page.goto(`${t.url}/dev/mailbox`);
  await expectAccessible(page, 'local mailbox');
  const text = await openMail(/Confirm/);
  await expectAccessible(page, 'local mailbox: one message');

  await page.goto(t.url + pathIn(text, /https?:\/\/\S+\/confirm\/\S+/));
  await expectAccessible(page, 'confirm');
  await page.getByRole('button', { name: 'Confirm my subscription' }).click();
  await page.getByRole('heading', { name: 'You are subscribed' }).waitFor();
  await expectAccessible(page, 'subscription confirmed');
}, 90_000);

// The tests run in order: the reader confirmed above gets the newsletter sent here.
let slug: string;

test('a newsletter’s links: stop one topic, preferences, unsubscribe', async () => {
  await page.goto(`${t.url}/issues`);
  await expectAccessible(page, 'archive, empty');

  // The sample issue, sent for real: the reader's copy lands in the mailbox.
  const res = await t.fetch('/api/issues', {
    method: 'POST', editor: true, headers: { 'content-type': 'text/markdown' }, body: readFileSync(sampleIssueFiles()[0]!, 'utf8'),
  });
  expect(res.status).toBe(201);
  const created = (await res.json()) as { id: number; slug: string };
  const id = created.id;
  slug = created.slug;
  expect((await t.fetch(`/api/issues/${id}/send`, { method: 'POST', editor: true })).status).toBeLessThan(300);
  expect((await waitForStatus(t, id, ['completed'], 30_000)).sent).toBe(1);

  const text = await openMail(/China TMT/);
  await expectAccessible(page, 'local mailbox: a newsletter');

  await page.goto(t.url + pathIn(text, /https?:\/\/\S+\/unsubscribe\/\S+\?topic=ai/));
  await expectAccessible(page, 'stop one topic');
  await page.getByRole('button', { name: /Stop/ }).click();
  await page.getByRole('heading', { name: /No more/ }).waitFor();
  await expectAccessible(page, 'one topic stopped');

  await page.goto(t.url + pathIn(text, /https?:\/\/\S+\/preferences\/\S+/));
  await expectAccessible(page, 'preferences');
  await page.getByLabel(/New energy vehicles/).check();
  await page.getByRole('button', { name: 'Save my topics' }).click();
  await page.getByText('Your preferences are saved.').waitFor();
  await expectAccessible(page, 'preferences saved');
  await page.getByRole('button', { name: 'Unsubscribe from everything' }).click();
  await page.getByText(/You are unsubscribed/).waitFor();
  await expectAccessible(page, 'preferences of an unsubscribed reader');

  await page.goto(t.url + pathIn(text, /https?:\/\/\S+\/unsubscribe\/[^?\s]+(?=\s)/));
  await expectAccessible(page, 'unsubscribe');
  await page.getByRole('button', { name: 'Unsubscribe' }).click();
  await page.getByRole('heading', { name: 'You are unsubscribed' }).waitFor();
  await expectAccessible(page, 'unsubscribed');
}, 90_000);

test('the archive, the issue’s web version, error pages', async () => {
  await page.goto(`${t.url}/issues`);
  await page.getByRole('link', { name: /China TMT/ }).click();
  await page.waitForURL(`**/issues/${slug}`);
  await expectAccessible(page, 'issue web version');
  await page.goto(`${t.url}/issues`);
  await expectAccessible(page, 'archive');

  expect((await page.goto(`${t.url}/preferences/not-a-valid-token`))!.status()).toBe(404);
  await expectAccessible(page, 'link not valid');
  expect((await page.goto(`${t.url}/issues/no-such-issue`))!.status()).toBe(404);
  await expectAccessible(page, 'archive: no such issue');
}, 60_000);
