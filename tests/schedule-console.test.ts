/**
 * Scheduling in the console (issue 16), in Chromium with the editor in Shanghai: the send page offers
 * "later" at a time in the editor's own zone (named on the page) or at each reader's local hour; a
 * scheduled issue shows its time with cancel, send now and reschedule; /admin/schedule lists what
 * is scheduled; a local-time send shows the state of each zone. Every page passes axe.
 */
import type { Browser, Page } from 'playwright-core';
import { AdjustableClock } from '../src/clock';
import { startTestApp, type TestApp } from './helpers/app';
import { expectAccessible } from './helpers/axe';
import { launchBrowser } from './helpers/browser';
import { createIssue, insertReaders, waitUntil } from './helpers/delivery';

jest.setTimeout(90_000);

const clock = new AdjustableClock(new Date('2026-12-07T12:00:00Z'));
let t: TestApp;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  [t, browser] = await Promise.all([startTestApp({ clock, env: { SCHEDULE_POLL_MS: '100' } }), launchBrowser()]);
  const ids = await insertReaders(t.c.pool, 4);
  await t.c.pool.query(`UPDATE subscribers SET timezone = 'Asia/Shanghai' WHERE id = $1`, [ids.get(1)]);
  const ctx = await browser.newContext({ timezoneId: 'Asia/Shanghai', viewport: { width: 1280, height: 900 } });
  page = await ctx.newPage();
  await page.goto(`${t.url}/admin/sign-in`);
  await page.fill('#key', t.editorKey);
  await page.click('form[action="/admin/sign-in"] button[type=submit]');
  await page.waitForURL('**/admin/issues');
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const scheduleRow = async (id: number) =>
  (await t.c.pool.query<{ status: string; run_at: Date }>('SELECT status, run_at FROM send_schedules WHERE issue_id = $1', [id])).rows[0];

test('schedule at a time in the editor’s zone, list it, cancel it', async () => {
  const id = await createIssue(t, 'console-at');
  await page.goto(`${t.url}/admin/issues/${id}/send`);
  await page.locator('[data-browser-zone-label]').first().filter({ hasText: 'Asia/Shanghai' }).waitFor();
  await expectAccessible(page, 'send confirmation with schedule forms');
  // A time already past is refused with the page shown again and the problem announced.
  await page.fill('#at-local', '2026-12-07T09:30');
  await page.click('#schedule-at button[type=submit]');
  await page.getByRole('alert').getByText('at must be in the future.').waitFor();
  await expectAccessible(page, 'schedule refused');
  await page.fill('#at-local', '2026-12-08T09:30');
  await page.click('#schedule-at button[type=submit]');
  await page.getByText('Scheduled.').waitFor();
  // 09:30 in Shanghai is 01:30 UTC.
  expect(await scheduleRow(id)).toMatchObject({ status: 'scheduled', run_at: new Date('2026-12-08T01:30:00Z') });
  await expectAccessible(page, 'scheduled issue');

  await page.goto(`${t.url}/admin/schedule`);
  await page.getByRole('link', { name: /console-at/i }).waitFor();
  await expectAccessible(page, 'scheduled sends list');

  await page.goto(`${t.url}/admin/issues/${id}/send`);
  await page.getByRole('button', { name: 'Cancel the schedule' }).click();
  await page.getByText('The schedule is cancelled').waitFor();
  expect((await scheduleRow(id))!.status).toBe('cancelled');
});

test('local-time delivery from the console shows each zone’s state', async () => {
  const id = await createIssue(t, 'console-local');
  await page.goto(`${t.url}/admin/issues/${id}/send`);
  await page.fill('#local-date', '2026-12-08');
  await page.fill('#local-time', '08:00');
  await page.click('#schedule-local button[type=submit]');
  await page.getByText('Scheduled.').waitFor();
  clock.set(new Date('2026-12-08T00:00:05Z'));
  await waitUntil(async () => t.sink!.messages.some((m) => m.parsed.subject?.includes('console-local')), 20_000, 'the Shanghai reader mailed');
  await page.goto(`${t.url}/admin/issues/${id}/send`);
  await page.locator('table.zones tr[data-zone="Asia/Shanghai"]').getByText('done').waitFor();
  await page.locator('table.zones tr[data-zone="UTC"]').getByText('waiting').waitFor();
  await expectAccessible(page, 'local-time send with zones');
});
