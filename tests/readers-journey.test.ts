/**
 * The reader's whole journey in a real browser (Debian Chromium): subscribe form → confirmation
 * email → confirm button → preferences → change topics → unsubscribe, with the database checked
 * after every step.
 */
import type { Browser } from 'playwright-core';
import { launchBrowser } from './helpers/browser';
import { startTestApp, type TestApp } from './helpers/app';
import { consentKinds, linkIn, pathOf, subscriberByEmail } from './helpers/readers';

describe('reader journey in a browser', () => {
  let t: TestApp;
  let browser: Browser;
  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestApp(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('subscribes, confirms, changes topics and unsubscribes', async () => {
    const email = 'journey.reader@example.org';
    const page = await browser.newPage();

    await page.goto(t.url + '/');
    expect(await page.locator('input[name="topics"]').count()).toBe(3);
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel(/^Name/).fill('Ada <Lovelace>');
    await page.getByLabel(/Telecom/).check();
    await page.getByLabel(/New energy vehicles/).check();
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await page.getByRole('heading', { name: 'Check your inbox' }).waitFor();

    // The request only queued the subscription; the worker writes the reader and sends the mail.
    const [mail] = await t.sink!.waitFor(1);
    let sub = await subscriberByEmail(t, email);
    expect(sub).toMatchObject({ status: 'pending', name: 'Ada <Lovelace>', topics: ['nev', 'telecom'] });
    expect(await consentKinds(t, sub!.id)).toEqual(['requested']);

    expect(mail!.to).toEqual([email]);
    expect(mail!.parsed.subject).toMatch(/Confirm/);
    // Nothing typed into the form is in the mail (issue 11: anyone can request one for any address).
    expect(`${mail!.parsed.html}${mail!.parsed.text}`).not.toContain('Lovelace');
    const confirmPath = pathOf(linkIn(mail!, '/confirm'));

    await page.goto(t.url + confirmPath);
    // Opening the link (what a mail scanner does) confirms nothing.
    expect((await subscriberByEmail(t, email))!.status).toBe('pending');
    await page.getByRole('button', { name: 'Confirm my subscription' }).click();
    await page.getByRole('heading', { name: 'You are subscribed' }).waitFor();
    sub = await subscriberByEmail(t, email);
    expect(sub!.status).toBe('confirmed');
    expect(await consentKinds(t, sub!.id)).toEqual(['requested', 'confirmed']);

    await page.getByRole('link', { name: /Change your topics/ }).click();
    await page.getByRole('heading', { name: 'Your preferences' }).waitFor();
    expect(await page.getByLabel(/Telecom/).isChecked()).toBe(true);
    await page.getByLabel(/Telecom/).uncheck();
    await page.getByLabel(/Artificial intelligence/).check();
    await page.getByRole('button', { name: 'Save my topics' }).click();
    await page.getByText('Your preferences are saved.').waitFor();
    sub = await subscriberByEmail(t, email);
    expect(sub).toMatchObject({ status: 'confirmed', topics: ['ai', 'nev'] });
    expect(await consentKinds(t, sub!.id)).toEqual(['requested', 'confirmed', 'topics_changed']);

    await page.getByRole('button', { name: 'Unsubscribe from everything' }).click();
    await page.getByText(/You are unsubscribed/).waitFor();
    sub = await subscriberByEmail(t, email);
    expect(sub!.status).toBe('unsubscribed');
    expect(await consentKinds(t, sub!.id)).toEqual(['requested', 'confirmed', 'topics_changed', 'unsubscribed']);

    // Coming back takes a confirmation email (issue 11; tests/readers-come-back.test.ts): the page
    // offers one instead of saving topics.
    expect(await page.getByRole('button', { name: 'Save my topics' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Send me a confirmation email' }).waitFor();
    await page.close();
  });

  it('announces form errors accessibly and keeps the input', async () => {
    const page = await browser.newPage();
    await page.goto(t.url + '/');
    await page.getByLabel('Email address').fill('not-an-address');
    await page.getByRole('button', { name: 'Subscribe' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/valid email/);
    expect(await page.getByLabel('Email address').inputValue()).toBe('not-an-address');
    expect(await page.getByLabel('Email address').getAttribute('aria-invalid')).toBe('true');
    await page.close();
  });
});
