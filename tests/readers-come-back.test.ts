/**
 * Issue 11, item 8, in a real browser with axe-core (light and dark) on every page it changed: the unsubscribe
 * answer (no preferences link; "subscribe again" is the public form), and the preference page of an
 * unsubscribed, pending and suppressed reader, with its notices and errors. The reader comes back
 * only through the confirmation email the page asks for.
 */
import type { Browser, BrowserContext } from 'playwright-core';
import { emailHash } from '../src/subscribers/email-hash';
import { startTestApp, type TestApp } from './helpers/app';
import { axeViolations, expectAccessible } from './helpers/axe';
import { launchBrowser } from './helpers/browser';
import { confirmedReader, consentKinds, linkIn, mailTo, pathOf, subscriberByEmail } from './helpers/readers';

describe('coming back after an unsubscribe, in a browser', () => {
  let t: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestApp(), launchBrowser()]);
    context = await browser.newContext();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('unsubscribes, asks for a confirmation email from the preference page, and is back after confirming', async () => {
    const email = 'browser.comeback@example.org';
    const id = await confirmedReader(t, email, ['telecom', 'nev']);
    const page = await context.newPage();

    // One topic first, through the page behind the per-topic link.
    await page.goto(`${t.url}/unsubscribe/${t.c.linkTokens.sign(id, 'unsubscribe')}?topic=nev`);
    await page.getByRole('button', { name: /Stop New energy vehicles news/ }).click();
    await page.getByRole('heading', { name: /No more New energy vehicles news/ }).waitFor();
    await expectAccessible(page, 'one topic unsubscribed');
    expect(await page.locator('a[href*="/preferences/"]').count()).toBe(0);

    await page.goto(`${t.url}/unsubscribe/${t.c.linkTokens.sign(id, 'unsubscribe')}`);
    await page.getByRole('button', { name: 'Unsubscribe' }).click();
    await page.getByRole('heading', { name: 'You are unsubscribed' }).waitFor();
    await expectAccessible(page, 'unsubscribed');
    expect(await page.locator('a[href*="/preferences/"]').count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Subscribe again' }).getAttribute('href')).toBe('/');
    expect((await subscriberByEmail(t, email))!.status).toBe('unsubscribed');

    // The preferences link of an old newsletter.
    await page.goto(`${t.url}/preferences/${t.c.linkTokens.sign(id, 'preferences')}`);
    expect(await page.locator('#status').textContent()).toBe('unsubscribed');
    expect(await page.getByRole('button', { name: 'Save my topics' }).count()).toBe(0);
    await expectAccessible(page, 'preferences, unsubscribed');

    // No topic picked: the error is announced on the same page.
    await page.getByLabel(/Telecom/).uncheck();
    await page.getByRole('button', { name: 'Send me a confirmation email' }).click();
    await page.getByRole('alert').waitFor();
    await expectAccessible(page, 'preferences, error');

    await page.getByLabel(/Artificial intelligence/).check();
    await page.getByRole('button', { name: 'Send me a confirmation email' }).click();
    await page.getByText('We sent you a confirmation email').waitFor();
    await expectAccessible(page, 'preferences, confirmation sent');
    const mail = await mailTo(t, email, 2);

    await page.reload();
    expect(await page.locator('#status').textContent()).toBe('waiting for confirmation');
    await expectAccessible(page, 'preferences, pending');
    expect((await subscriberByEmail(t, email))!.status).toBe('pending');

    await page.goto(t.url + pathOf(linkIn(mail, '/confirm')));
    await page.getByRole('button', { name: 'Confirm my subscription' }).click();
    await page.getByRole('heading', { name: 'You are subscribed' }).waitFor();
    expect(await subscriberByEmail(t, email)).toMatchObject({ status: 'confirmed', topics: ['ai'] });
    expect((await consentKinds(t, id)).slice(-2)).toEqual(['requested', 'resubscribed']);
    await page.close();
  }, 90_000);

  it('the audit itself reports a violation when there is one', async () => {
    const page = await context.newPage();
    await page.setContent('<!doctype html><html lang="en"><title>x</title><main><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="></main></html>');
    expect((await axeViolations(page)).some((line) => line.includes('image-alt'))).toBe(true);
    await page.close();
  });

  it('a suppressed address sees why it cannot come back', async () => {
    const email = 'browser.suppressed@example.org';
    const id = await confirmedReader(t, email, ['ai']);
    await t.c.readers.preferences.unsubscribe(id, { source: 'email', ip: null, userAgent: null });
    await t.c.pool.query("INSERT INTO suppressions (email_hash, reason) VALUES ($1, 'complaint')", [emailHash(email)]);
    const page = await context.newPage();
    await page.goto(`${t.url}/preferences/${t.c.linkTokens.sign(id, 'preferences')}`);
    await page.getByText('We can no longer send email to this address').waitFor();
    expect(await page.getByRole('button').count()).toBe(0);
    await expectAccessible(page, 'preferences, suppressed');
    await page.close();
  });
});
