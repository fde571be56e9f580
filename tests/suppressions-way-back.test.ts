/**
 * Issue 21: the way back. An erased reader who subscribes again through the form gets a
 * confirmation, and confirming lifts the suppression (an import of the address before that stays
 * refused); a complaint never comes back by itself and the page says nothing of it; a hard bounce
 * comes back only after SUPPRESSION_RETURN_DAYS.
 */
import { startTestApp, type TestApp } from './helpers/app';
import { confirmedReader, consentKinds, linkIn, mailTo, pathOf, subscriberByEmail } from './helpers/readers';
import { emailHash } from '../src/subscribers/email-hash';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe('the way back from the suppression list', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { SUBSCRIBE_LIMIT_PER_IP: '0', SUBSCRIBE_LIMIT_PER_ADDRESS: '0', SUPPRESSION_RETURN_DAYS: '30' } });
  });
  afterAll(() => t.close());

  const form = async (email: string) => {
    const res = await t.fetch('/subscribe', { method: 'POST', headers: FORM, body: new URLSearchParams({ email, topics: 'ai' }).toString() });
    return `${res.status} ${await res.text()}`;
  };
  const importCsv = async (csv: string) =>
    (await t.fetch('/api/subscribers/import', { method: 'POST', editor: true, headers: { 'content-type': 'text/csv' }, body: csv })).json();
  const confirm = async (email: string, n: number) => {
    const path = pathOf(linkIn(await mailTo(t, email, n), '/confirm'));
    const page = await (await t.fetch(path)).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
    return t.fetch(path, { method: 'POST', headers: FORM, body: new URLSearchParams({ csrf }).toString() });
  };
  const suppression = async (email: string) =>
    (await t.c.pool.query('SELECT reason, source FROM suppressions WHERE email_hash = $1', [emailHash(email)])).rows[0];
  const lifts = async (email: string) =>
    (await t.c.pool.query('SELECT reason, lifted_by FROM suppression_lifts WHERE email_hash = $1', [emailHash(email)])).rows;
  /** Gives the worker time to act on a request that should send nothing: a control address must get its mail first. */
  const settle = async (control: string) => {
    await form(control);
    await mailTo(t, control, 1);
    await new Promise((r) => setTimeout(r, 300));
  };

  it('erase → an import stays refused → the form sends a confirmation → confirming lifts the suppression', async () => {
    const email = 'erased.returns@example.org';
    const id = await confirmedReader(t, email, ['telecom']);
    expect((await t.fetch(`/api/subscribers/${id}`, { method: 'DELETE', editor: true })).status).toBe(200);
    expect(await suppression(email)).toEqual({ reason: 'erased', source: 'editor' });

    // The publisher cannot bring the address back.
    expect(await importCsv(`email,topics\n${email},ai\n`)).toMatchObject({ imported: 0, updated: 0, suppressed: 1 });
    expect(await subscriberByEmail(t, email)).toBeUndefined();

    // The reader can: the same page as anyone, then a confirmation email.
    const sent = t.sink!.to(email).length;
    expect(await form(email)).toBe(await form('someone.new@example.org'));
    await mailTo(t, email, sent + 1);
    const pending = (await subscriberByEmail(t, email))!;
    expect(pending).toMatchObject({ status: 'pending', topics: ['ai'] });
    expect(pending.id).not.toBe(id);
    // Still suppressed until they confirm.
    expect(await suppression(email)).toBeDefined();

    expect((await confirm(email, sent + 1)).status).toBe(200);
    expect(await subscriberByEmail(t, email)).toMatchObject({ status: 'confirmed', topics: ['ai'] });
    expect(await suppression(email)).toBeUndefined();
    expect(await lifts(email)).toEqual([{ reason: 'erased', lifted_by: 'reader' }]);
    expect(await consentKinds(t, pending.id)).toEqual(['requested', 'confirmed']);
  });

  it('a complaint: the same page, no email, nothing written', async () => {
    const email = 'complained@example.org';
    await t.c.suppressions.suppress({ emailHash: emailHash(email), reason: 'complaint', source: 'arf' });
    expect(await form(email)).toBe(await form('someone.else@example.org'));
    await settle('control.complaint@example.org');
    expect(t.sink!.to(email)).toHaveLength(0);
    expect(await subscriberByEmail(t, email)).toBeUndefined();
    expect(await suppression(email)).toEqual({ reason: 'complaint', source: 'arf' });
  });

  it('a hard bounce: refused within SUPPRESSION_RETURN_DAYS, a confirmation after it', async () => {
    const email = 'bounced.once@example.org';
    const id = await confirmedReader(t, email, ['nev']);
    await t.c.suppressions.suppress({ emailHash: emailHash(email), reason: 'hard_bounce', source: 'smtp_reply', detail: 'send 1' });
    const sent = t.sink!.to(email).length;
    await form(email);
    await settle('control.bounce@example.org');
    expect(t.sink!.to(email)).toHaveLength(sent);

    // 31 days later the reader may come back; until they confirm they stay suppressed.
    await t.c.pool.query("UPDATE suppressions SET created_at = now() - interval '31 days' WHERE email_hash = $1", [emailHash(email)]);
    await form(email);
    await mailTo(t, email, sent + 1);
    expect(await subscriberByEmail(t, email)).toMatchObject({ id, status: 'pending' });
    expect((await confirm(email, sent + 1)).status).toBe(200);
    expect(await subscriberByEmail(t, email)).toMatchObject({ id, status: 'confirmed', topics: ['ai'] });
    expect(await suppression(email)).toBeUndefined();
    expect((await consentKinds(t, id)).at(-1)).toBe('resubscribed');
  });

  it('the preference page offers the way back for a manual suppression, not for a complaint', async () => {
    const prefs = async (email: string) => {
      const id = await confirmedReader(t, email, ['ai']);
      await t.c.readers.preferences.unsubscribe(id, { source: 'email', ip: null, userAgent: null });
      const token = t.c.linkTokens.sign(id, 'preferences');
      const csrf = t.c.readers.formTokens.sign('preferences', token);
      return {
        page: async () => (await t.fetch(`/preferences/${token}`)).text(),
        resubscribe: () => t.fetch(`/preferences/${token}`, { method: 'POST', headers: FORM, body: `csrf=${csrf}&action=resubscribe&topics=ai` }),
      };
    };
    const manual = 'manual.returns@example.org';
    const m = await prefs(manual);
    await t.c.suppressions.suppress({ emailHash: emailHash(manual), reason: 'manual', source: 'import' });
    expect(await m.page()).toContain('Send me a confirmation email');
    const sent = t.sink!.to(manual).length;
    expect((await m.resubscribe()).status).toBe(200);
    expect((await confirm(manual, sent + 1)).status).toBe(200);
    expect(await suppression(manual)).toBeUndefined();

    const complained = 'complained.prefs@example.org';
    const c = await prefs(complained);
    await t.c.suppressions.suppress({ emailHash: emailHash(complained), reason: 'complaint', source: 'arf' });
    expect(await c.page()).toContain('We can no longer send email to this address');
    expect((await c.resubscribe()).status).toBe(422);
  });

  it('a complaint that arrives after an erase outweighs it: no way back', async () => {
    const email = 'erased.then.complained@example.org';
    const id = await confirmedReader(t, email, ['ai']);
    await t.fetch(`/api/subscribers/${id}`, { method: 'DELETE', editor: true });
    expect(await t.c.suppressions.suppress({ emailHash: emailHash(email), reason: 'complaint', source: 'provider_webhook' })).toBe(true);
    // …and a later, lighter reason does not lighten it.
    expect(await t.c.suppressions.suppress({ emailHash: emailHash(email), reason: 'manual', source: 'import' })).toBe(false);
    const sent = t.sink!.to(email).length;
    await form(email);
    await settle('control.late.complaint@example.org');
    expect(t.sink!.to(email)).toHaveLength(sent);
    expect(await suppression(email)).toEqual({ reason: 'complaint', source: 'provider_webhook' });
  });
});
