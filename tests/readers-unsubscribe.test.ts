/** RFC 8058 one-click unsubscribe: what a mailbox provider does unsubscribes; what a scanner does not. */
import { startTestApp, type TestApp } from './helpers/app';
import { confirmedReader, subscriberByEmail } from './helpers/readers';

describe('one-click unsubscribe (RFC 8058)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const status = async (email: string) => (await subscriberByEmail(t, email))!.status;

  it('a urlencoded one-click POST without cookies unsubscribes, answers 200 without redirect, and is idempotent', async () => {
    const email = 'oneclick.url@example.org';
    const id = await confirmedReader(t, email, ['ai', 'nev']);
    const path = `/unsubscribe/${t.c.linkTokens.sign(id, 'unsubscribe')}`;

    // A scanner following the link (GET and HEAD) changes nothing.
    expect((await t.fetch(path)).status).toBe(200);
    expect((await t.fetch(path, { method: 'HEAD' })).status).toBe(200);
    expect(await status(email)).toBe('confirmed');

    for (let i = 0; i < 2; i++) {
      const res = await t.fetch(path, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('location')).toBeNull();
      expect(res.headers.get('set-cookie')).toBeNull();
      expect(await status(email)).toBe('unsubscribed');
    }
    const { rows } = await t.c.pool.query("SELECT kind, source FROM consent_events WHERE subscriber_id = $1 AND kind = 'unsubscribed'", [id]);
    expect(rows).toEqual([{ kind: 'unsubscribed', source: 'email' }]);
  });

  it('a multipart one-click POST unsubscribes too', async () => {
    const email = 'oneclick.multipart@example.org';
    const id = await confirmedReader(t, email, ['telecom']);
    const path = `/unsubscribe/${t.c.linkTokens.sign(id, 'unsubscribe')}`;
    const form = new FormData();
    form.set('List-Unsubscribe', 'One-Click');
    for (let i = 0; i < 2; i++) {
      const res = await t.fetch(path, { method: 'POST', body: form });
      expect(res.status).toBe(200);
      expect(res.headers.get('location')).toBeNull();
    }
    expect(await status(email)).toBe('unsubscribed');
  });

  it('?topic=nev drops only nev; dropping the last topic unsubscribes', async () => {
    const email = 'oneclick.topic@example.org';
    const id = await confirmedReader(t, email, ['ai', 'nev']);
    const token = t.c.linkTokens.sign(id, 'unsubscribe');
    const post = (topic: string) =>
      t.fetch(`/unsubscribe/${token}?topic=${topic}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
    expect((await t.fetch(`/unsubscribe/${token}?topic=nev`)).status).toBe(200);
    expect((await subscriberByEmail(t, email))!.topics).toEqual(['ai', 'nev']);
    expect((await post('nev')).status).toBe(200);
    expect(await subscriberByEmail(t, email)).toMatchObject({ status: 'confirmed', topics: ['ai'] });
    expect((await post('nev')).status).toBe(200);
    expect((await post('ai')).status).toBe(200);
    expect(await subscriberByEmail(t, email)).toMatchObject({ status: 'unsubscribed', topics: [] });
  });

  it('a POST without the one-click body, or with a forged token, changes nothing', async () => {
    const email = 'oneclick.bad@example.org';
    const id = await confirmedReader(t, email, ['ai']);
    const token = t.c.linkTokens.sign(id, 'unsubscribe');
    const noBody = await t.fetch(`/unsubscribe/${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'foo=bar',
    });
    expect(noBody.status).toBe(400);
    const flipped = token.slice(0, -2) + (token.at(-2) === 'A' ? 'B' : 'A') + token.at(-1);
    const forged = await t.fetch(`/unsubscribe/${flipped}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(forged.status).toBe(404);
    expect(forged.headers.get('content-type')).toMatch(/html/);
    // A preferences token is not an unsubscribe token.
    const wrongPurpose = await t.fetch(`/unsubscribe/${t.c.linkTokens.sign(id, 'preferences')}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(wrongPurpose.status).toBe(404);
    expect(await status(email)).toBe('confirmed');
  });

  it('the preference form refuses a missing CSRF token and a cross-site Origin', async () => {
    const email = 'csrf.reader@example.org';
    const id = await confirmedReader(t, email, ['ai']);
    const token = t.c.linkTokens.sign(id, 'preferences');
    const page = await (await t.fetch(`/preferences/${token}`)).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
    const post = (body: string, headers: Record<string, string> = {}) =>
      t.fetch(`/preferences/${token}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
    expect((await post('action=unsubscribe')).status).toBe(403);
    expect((await post(`action=unsubscribe&csrf=${csrf}`, { origin: 'https://evil.example' })).status).toBe(403);
    expect(await status(email)).toBe('confirmed');
    expect((await post(`action=unsubscribe&csrf=${csrf}`)).status).toBe(200);
    expect(await status(email)).toBe('unsubscribed');
  });

  it('one-clicks arriving together share one statement, and each reader gets exactly its own records', async () => {
    // A webhook endpoint for subscriber.unsubscribed: the grouped statement must emit as emit() does.
    await t.c.pool.query(
      "INSERT INTO webhook_endpoints (url, events, secret_box, created_by) VALUES ('https://hooks.example.org/x', '{subscriber.unsubscribed}', 'x', 'test')",
    );
    const topics = [['ai'], ['ai', 'nev'], ['telecom', 'nev', 'ai']];
    const ids = await Promise.all(Array.from({ length: 12 }, (_, i) => confirmedReader(t, `oneclick.group${i}@example.org`, topics[i % 3]!)));
    // Every reader twice, all at once: the duplicates of a group must not double anything.
    const post = (id: number) =>
      t.fetch(`/unsubscribe/${t.c.linkTokens.sign(id, 'unsubscribe')}`, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click',
      });
    const answers = await Promise.all([...ids, ...ids].map(post));
    expect(answers.map((r) => r.status)).toEqual(Array(24).fill(200));

    const subs = await t.c.pool.query('SELECT id, status FROM subscribers WHERE id = ANY($1) ORDER BY id', [ids]);
    expect(subs.rows.every((r) => r.status === 'unsubscribed')).toBe(true);
    const consent = await t.c.pool.query(
      "SELECT subscriber_id AS id, topics, source FROM consent_events WHERE subscriber_id = ANY($1) AND kind = 'unsubscribed' ORDER BY subscriber_id", [ids]);
    const events = await t.c.pool.query(
      "SELECT payload, order_key FROM webhook_events WHERE type = 'subscriber.unsubscribed' AND order_key = ANY($1) ORDER BY id", [ids.map((id) => `subscriber:${id}`)]);
    const expected = ids.map((id, i) => ({ id, topics: [...topics[i % 3]!].sort(), source: 'email' })).sort((a, b) => a.id - b.id);
    expect(consent.rows).toEqual(expected);
    expect(events.rows.map((e) => e.payload).sort((a, b) => a.subscriber_id - b.subscriber_id))
      .toEqual(expected.map(({ id, topics: tp }) => ({ subscriber_id: id, topics: tp })));
    expect((await t.c.pool.query('SELECT count(*)::int AS n FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id WHERE e.order_key = ANY($1)',
      [ids.map((id) => `subscriber:${id}`)])).rows[0].n).toBe(12);
  });
});
