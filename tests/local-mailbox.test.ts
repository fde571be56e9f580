import { startTestApp, type TestApp } from './helpers/app';

describe('built-in local mailbox', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ localMailbox: true });
  });
  afterAll(() => t.close());

  it('receives a message sent through the pooled transport and shows it at /dev/mailbox', async () => {
    expect(t.c.mailbox).toBeDefined();
    await t.c.transport.sendMail({
      from: t.c.config.mailFrom,
      to: 'reader@example.com',
      subject: 'Hello <mailbox> & you',
      text: 'plain part',
      html: '<p>html <b>part</b></p><script>alert(1)</script>',
    });
    const list = await (await t.fetch('/dev/mailbox.json')).json();
    expect(list.messages).toHaveLength(1);
    expect(list.messages[0]).toMatchObject({ envelope_to: ['reader@example.com'], subject: 'Hello <mailbox> & you' });
    const id = list.messages[0].id;

    const index = await (await t.fetch('/dev/mailbox')).text();
    expect(index).toContain('Hello &lt;mailbox&gt; &amp; you');

    const show = await (await t.fetch(`/dev/mailbox/${id}`)).text();
    expect(show).toContain('plain part');
    expect(show).toContain(`sandbox src="/dev/mailbox/${id}/html"`);

    const htmlRes = await t.fetch(`/dev/mailbox/${id}/html`);
    expect(htmlRes.headers.get('content-security-policy')).toMatch(/^sandbox/);
    expect(await htmlRes.text()).toContain('<b>part</b>');

    expect((await t.fetch('/dev/mailbox/999999')).status).toBe(404);
    expect((await t.fetch('/dev/mailbox/abc')).status).toBe(404);
  });

  it('is not mounted when SMTP_URL is set', async () => {
    const other = await startTestApp();
    try {
      expect((await other.fetch('/dev/mailbox')).status).toBe(404);
    } finally {
      await other.close();
    }
  });
});
