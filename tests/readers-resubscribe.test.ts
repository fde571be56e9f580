/**
 * Issue 11, item 8: one-click unsubscribe cannot be turned into a re-subscribe. The one-click answer
 * used to link to the preferences page, and saving preferences there confirmed an unsubscribed
 * reader again without any email. Now the answer carries no preferences link, saving topics never
 * subscribes anyone, and a reader who unsubscribed comes back only through a new confirmation email.
 */
import { startTestApp, type TestApp } from './helpers/app';
import { consentKinds, confirmedReader, linkIn, mailTo, pathOf, subscriberByEmail } from './helpers/readers';
import { emailHash } from '../src/subscribers/email-hash';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe('coming back after an unsubscribe', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const oneClick = (path: string, body: BodyInit = 'List-Unsubscribe=One-Click') =>
    t.fetch(path, { method: 'POST', headers: typeof body === 'string' ? FORM : {}, body });
  /** The preference page, and a poster with the page's form token (signed here: a page without a form has none). */
  const preferences = async (id: number) => {
    const token = t.c.linkTokens.sign(id, 'preferences');
    const path = `/preferences/${token}`;
    const page = await (await t.fetch(path)).text();
    const csrf = t.c.readers.formTokens.sign('preferences', token);
    return { path, page, post: (fields: string) => t.fetch(path, { method: 'POST', headers: FORM, body: `csrf=${csrf}&${fields}` }) };
  };

  it('the one-click answer links to no preferences page (urlencoded, multipart, one topic)', async () => {
    const id = await confirmedReader(t, 'oneclick.answer@example.org', ['ai', 'nev']);
    const token = t.c.linkTokens.sign(id, 'unsubscribe');
    const topic = await oneClick(`/unsubscribe/${token}?topic=nev`);
    const multipart = new FormData();
    multipart.set('List-Unsubscribe', 'One-Click');
    const all = await oneClick(`/unsubscribe/${token}`, multipart);
    const again = await oneClick(`/unsubscribe/${token}`);
    for (const res of [topic, all, again]) {
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).not.toContain('/preferences/');
      expect(html).toMatch(/unsubscribed|No more/);
    }
    expect((await subscriberByEmail(t, 'oneclick.answer@example.org'))!.status).toBe('unsubscribed');
  });

  it('saving topics on the preference page does not subscribe an unsubscribed reader', async () => {
    const email = 'no.silent.return@example.org';
    const id = await confirmedReader(t, email, ['telecom']);
    expect((await oneClick(`/unsubscribe/${t.c.linkTokens.sign(id, 'unsubscribe')}`)).status).toBe(200);
    const kinds = await consentKinds(t, id);
    const sent = t.sink!.to(email).length;

    const prefs = await preferences(id);
    const saved = await prefs.post('action=save&topics=ai');
    const noAction = await prefs.post('topics=ai&topics=nev');
    expect(await subscriberByEmail(t, email)).toMatchObject({ status: 'unsubscribed', topics: ['telecom'] });
    expect(await consentKinds(t, id)).toEqual(kinds);
    expect(t.sink!.to(email)).toHaveLength(sent);
    expect([saved.status, noAction.status]).toEqual([409, 409]);
    expect(await saved.text()).toContain('You are not subscribed');
    // The page offers a confirmation email, not a save button.
    expect(prefs.page).toContain('Send me a confirmation email');
    expect(prefs.page).not.toContain('Save my topics');
  });

  it('"subscribe again" sends a new confirmation email; the reader is back only after confirming', async () => {
    const email = 'comes.back@example.org';
    const id = await confirmedReader(t, email, ['telecom']);
    const prefsBefore = await preferences(id);
    expect((await prefsBefore.post('action=unsubscribe')).status).toBe(200);

    const prefs = await preferences(id);
    const asked = await prefs.post('action=resubscribe&topics=ai&topics=nev');
    expect(asked.status).toBe(200);
    expect(await asked.text()).toContain('We sent you a confirmation email');
    const mail = await mailTo(t, email, 2);
    expect(mail.parsed.subject).toBe('Confirm your Tidings subscription');
    // Waiting for the button: not mailed newsletters, topics as asked.
    expect(await subscriberByEmail(t, email)).toMatchObject({ status: 'pending', topics: ['ai', 'nev'] });
    // Still pending, saving topics does nothing either.
    expect((await (await preferences(id)).post('action=save&topics=telecom')).status).toBe(409);

    const confirmPath = pathOf(linkIn(mail, '/confirm'));
    const csrf = /name="csrf" value="([^"]+)"/.exec(await (await t.fetch(confirmPath)).text())![1]!;
    expect((await t.fetch(confirmPath, { method: 'POST', headers: FORM, body: `csrf=${csrf}` })).status).toBe(200);
    expect(await subscriberByEmail(t, email)).toMatchObject({ status: 'confirmed', topics: ['ai', 'nev'] });
    expect(await consentKinds(t, id)).toEqual(['requested', 'confirmed', 'unsubscribed', 'requested', 'resubscribed']);

    // Once confirmed, the page saves topics again, and asking to come back is refused.
    const back = await preferences(id);
    expect((await back.post('action=save&topics=ai')).status).toBe(200);
    expect((await back.post('action=resubscribe&topics=ai')).status).toBe(409);
    expect(await subscriberByEmail(t, email)).toMatchObject({ status: 'confirmed', topics: ['ai'] });
  });

  it('a suppressed address is offered no way back and sent nothing', async () => {
    const email = 'suppressed.reader@example.org';
    const id = await confirmedReader(t, email, ['ai']);
    expect((await oneClick(`/unsubscribe/${t.c.linkTokens.sign(id, 'unsubscribe')}`)).status).toBe(200);
    await t.c.pool.query("INSERT INTO suppressions (email_hash, reason) VALUES ($1, 'hard_bounce')", [emailHash(email)]);
    const prefs = await preferences(id);
    expect(prefs.page).toContain('We can no longer send email to this address');
    expect(prefs.page).not.toContain('confirmation email');
    const asked = await prefs.post('action=resubscribe&topics=ai');
    expect(asked.status).toBe(422);
    expect((await t.c.pool.query('SELECT count(*)::int AS n FROM subscription_requests')).rows[0].n).toBe(0);
    expect(t.sink!.to(email)).toHaveLength(1);
  });
});
