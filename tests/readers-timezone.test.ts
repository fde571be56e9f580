/**
 * Readers' time zones (issue 16): the subscribe form fills its hidden field from the browser's zone
 * (Chromium with a zone override) and works without script; the JSON API and the CSV import accept
 * IANA names only (422 / a reported line); the preferences page changes the zone; its page passes axe.
 */
import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from './helpers/app';
import { expectAccessible } from './helpers/axe';
import { launchBrowser } from './helpers/browser';
import { confirmedReader, mailTo } from './helpers/readers';
import { waitUntil } from './helpers/delivery';

jest.setTimeout(60_000);

let t: TestApp;
let browser: Browser;
const zoneOf = async (email: string) =>
  (await t.c.pool.query<{ timezone: string | null }>('SELECT timezone FROM subscribers WHERE lower(email) = lower($1)', [email])).rows[0]?.timezone;

beforeAll(async () => {
  [t, browser] = await Promise.all([startTestApp(), launchBrowser()]);
});
afterAll(async () => {
  await browser.close();
  await t.close();
});

test('the subscribe form captures the browser’s zone; without script the default applies', async () => {
  const ctx = await browser.newContext({ timezoneId: 'Asia/Tokyo' });
  const page = await ctx.newPage();
  await page.goto(t.url + '/');
  await page.getByLabel('Email address').fill('tokyo.reader@example.org');
  await page.getByLabel(/Telecom/).check();
  await page.getByRole('button', { name: 'Subscribe' }).click();
  await page.getByRole('heading', { name: 'Check your inbox' }).waitFor();
  expect(await waitUntil(async () => zoneOf('tokyo.reader@example.org'), 15_000, 'the reader row')).toBe('Asia/Tokyo');
  await ctx.close();

  const noScript = await browser.newContext({ javaScriptEnabled: false, timezoneId: 'Europe/Brussels' });
  const plain = await noScript.newPage();
  await plain.goto(t.url + '/');
  await plain.getByLabel('Email address').fill('no.script@example.org');
  await plain.getByLabel(/Telecom/).check();
  await plain.getByRole('button', { name: 'Subscribe' }).click();
  await plain.getByRole('heading', { name: 'Check your inbox' }).waitFor();
  await mailTo(t, 'no.script@example.org', 1);
  expect(await zoneOf('no.script@example.org')).toBeNull();
  await noScript.close();
});

test('JSON API: an IANA name is stored in its canonical spelling, anything else is 422 timezone', async () => {
  for (const timezone of ['Mars/Olympus', '+01:00', 42]) {
    const res = await t.fetch('/api/subscriptions', { method: 'POST', json: { email: 'api.zone@example.org', topics: ['ai'], timezone } });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: { field: string } }).error.field).toBe('timezone');
  }
  const ok = await t.fetch('/api/subscriptions', { method: 'POST', json: { email: 'api.zone@example.org', topics: ['ai'], timezone: 'america/new_york' } });
  expect(ok.status).toBe(202);
  await mailTo(t, 'api.zone@example.org', 1);
  expect(await zoneOf('api.zone@example.org')).toBe('America/New_York');
});

test('CSV import: the timezone column is validated per line', async () => {
  const csv = 'email,name,topics,timezone\nbj@example.org,BJ,ai,Asia/Shanghai\nbad@example.org,Bad,ai,Europe/Atlantis\nnone@example.org,None,ai,\n';
  const res = await t.fetch('/api/subscribers/import', { method: 'POST', editor: true, headers: { 'content-type': 'text/csv' }, body: csv });
  expect(res.status).toBe(200);
  const report = (await res.json()) as { imported: number; invalid: { line: number; error: string }[] };
  expect(report.imported).toBe(2);
  expect(report.invalid).toEqual([{ line: 3, error: expect.stringMatching(/IANA time zone/) }]);
  expect(await zoneOf('bj@example.org')).toBe('Asia/Shanghai');
  expect(await zoneOf('none@example.org')).toBeNull();
  expect(await zoneOf('bad@example.org')).toBeUndefined();
});

test('the preferences page sets the zone, refuses an unknown one, and passes axe', async () => {
  const email = 'prefs.zone@example.org';
  const id = await confirmedReader(t, email, ['ai']);
  const prefs = `/preferences/${t.c.linkTokens.sign(id, 'preferences')}`;
  const page = await browser.newPage();
  await page.goto(t.url + prefs);
  await page.getByLabel(/Your time zone/).selectOption('Europe/Brussels');
  await page.getByRole('button', { name: 'Save my topics' }).click();
  await page.getByText('Your preferences are saved.').waitFor();
  expect(await zoneOf(email)).toBe('Europe/Brussels');
  expect(await page.getByLabel(/Your time zone/).inputValue()).toBe('Europe/Brussels');
  await expectAccessible(page, 'preferences with a time zone');
  await page.close();

  const html = await (await t.fetch(prefs)).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
  const bad = await t.fetch(prefs, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf, action: 'save', topics: 'ai', timezone: 'Nowhere/Else' }).toString(),
  });
  expect(bad.status).toBe(422);
  expect(await zoneOf(email)).toBe('Europe/Brussels');
});
