/**
 * Issue 11, item 10: confirmation emails carry no unverified text from the form. Anyone can ask
 * for a confirmation (or "already subscribed") email for any address; the name field let them write
 * "Hello WINNER! Claim your prize at …" into a mail sent in our name.
 */
import { startTestApp, type TestApp } from './helpers/app';
import { confirmedReader, linkIn, mailTo, subscriberByEmail } from './helpers/readers';
import type { CapturedMessage } from './helpers/smtp-sink';

const SPAM = 'WINNER! Claim your prize at https://prize.example/claim';

/** Everything a reader sees of a message: subject, every header, both bodies. */
const visible = (m: CapturedMessage) =>
  [m.parsed.subject, m.parsed.text, m.parsed.html, ...[...m.parsed.headers.entries()].map(([k, v]) => `${k}: ${JSON.stringify(v)}`), m.raw.toString('latin1')].join('\n');

describe('transactional emails carry nothing typed into the form', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('a confirmation requested through the API or the form shows no name', async () => {
    const api = await t.fetch('/api/subscriptions', { method: 'POST', json: { email: 'victim.api@example.org', name: SPAM, topics: ['ai'] } });
    expect(api.status).toBe(202);
    const form = await t.fetch('/subscribe', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: 'victim.form@example.org', name: SPAM, topics: 'nev' }).toString(),
    });
    expect(form.status).toBe(200);

    for (const address of ['victim.api@example.org', 'victim.form@example.org']) {
      const mail = await mailTo(t, address, 1);
      expect(mail.parsed.subject).toBe('Confirm your Tidings subscription');
      // Still a working confirmation email, with the topic names from the topics table.
      expect(linkIn(mail, '/confirm')).toMatch(/\/confirm\//);
      expect(mail.parsed.text).toMatch(/^Hello,$/m);
      expect(mail.parsed.text).toMatch(/Artificial intelligence|New energy vehicles/);
      expect(visible(mail)).not.toMatch(/WINNER|prize\.example/);
      // The name is kept for the editors, as given.
      expect((await subscriberByEmail(t, address))!.name).toBe(SPAM);
    }
  });

  it('an "already subscribed" email shows no name either', async () => {
    const address = 'confirmed.victim@example.org';
    await confirmedReader(t, address, ['telecom'], SPAM);
    const res = await t.fetch('/api/subscriptions', { method: 'POST', json: { email: address, name: 'Someone else', topics: ['ai'] } });
    expect(res.status).toBe(202);
    const mail = await mailTo(t, address, 2);
    expect(mail.parsed.subject).toBe('You are already subscribed to Tidings');
    expect(linkIn(mail, '/preferences')).toMatch(/\/preferences\//);
    expect(visible(mail)).not.toMatch(/WINNER|prize\.example|Someone else/);
  });
});
