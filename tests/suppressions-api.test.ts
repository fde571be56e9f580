/**
 * Issue 21: the editor's view of the suppression list. Search by address (hashed before the
 * look-up), counts by reason, a lift with a required note that is audited and takes effect for the
 * next send, CSV export (hashes, never addresses) and import of another tool's list, which a
 * subscriber import then cannot get round.
 */
import { startTestApp, type TestApp } from './helpers/app';
import { signIn } from './helpers/console';
import { createIssue, waitForStatus } from './helpers/delivery';
import { confirmedReader } from './helpers/readers';
import { emailHash } from '../src/subscribers/email-hash';

describe('suppressions API', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { SUBSCRIBE_LIMIT_PER_IP: '0', SUBSCRIBE_LIMIT_PER_ADDRESS: '0' } });
  });
  afterAll(() => t.close());

  const get = async (qs = '') => {
    const res = await t.fetch(`/api/suppressions${qs}`, { editor: true });
    return { status: res.status, body: await res.json() };
  };
  const lift = (id: number | string, body: unknown) => t.fetch(`/api/suppressions/${id}`, { method: 'DELETE', editor: true, json: body });
  const csv = (path: string, body: string) => t.fetch(path, { method: 'POST', editor: true, headers: { 'content-type': 'text/csv' }, body });
  const hex = (email: string) => emailHash(email).toString('hex');

  it('lists and searches by address (any letter case) or hash, by reason, with counts', async () => {
    await t.c.suppressions.suppress({ emailHash: emailHash('Listed.One@example.org'), reason: 'hard_bounce', source: 'dsn', detail: '550 5.1.1' });
    await t.c.suppressions.suppress({ emailHash: emailHash('listed.two@example.org'), reason: 'complaint', source: 'arf' });
    const all = await get();
    expect(all.status).toBe(200);
    expect(all.body.counts).toMatchObject({ hard_bounce: 1, complaint: 1, erased: 0, manual: 0, soft_bounce_limit: 0 });
    expect(all.body.suppressions[0]).toMatchObject({ emailHash: hex('listed.two@example.org'), reason: 'complaint', source: 'arf' });
    expect(JSON.stringify(all.body)).not.toContain('@');

    const byAddress = await get('?q=LISTED.ONE@example.org');
    expect(byAddress.body.suppressions).toEqual([expect.objectContaining({ reason: 'hard_bounce', source: 'dsn', detail: '550 5.1.1' })]);
    expect((await get(`?q=${hex('listed.one@example.org')}`)).body.suppressions).toHaveLength(1);
    expect((await get('?reason=complaint')).body.suppressions).toHaveLength(1);
    expect((await get('?q=nobody@example.org')).body.suppressions).toEqual([]);
    const bad = await get('?reason=bored');
    expect(bad.status).toBe(422);
    expect(bad.body.error).toMatchObject({ code: 'invalid', field: 'reason' });
  });

  it('a lift needs a note, is audited, and takes effect for the next send', async () => {
    const email = 'lifted.reader@example.org';
    await confirmedReader(t, email, ['ai']);
    await t.c.suppressions.suppress({ emailHash: emailHash(email), reason: 'hard_bounce', source: 'smtp_reply', detail: 'send 9' });
    const first = await createIssue(t, 'suppressed-issue');
    await t.fetch(`/api/issues/${first}/send`, { method: 'POST', editor: true });
    await waitForStatus(t, first, ['completed'], 60_000);
    expect(t.sink!.to(email).filter((m) => /suppressed-issue/.test(m.parsed.subject ?? ''))).toHaveLength(0);

    const { id } = (await get(`?q=${email}`)).body.suppressions[0];
    for (const body of [{}, { note: '   ' }]) {
      const res = await lift(id, body);
      expect(res.status).toBe(422);
      expect((await res.json()).error).toMatchObject({ field: 'note' });
    }
    expect((await lift(id, { note: 'x', extra: 1 })).status).toBe(422);
    const res = await lift(id, { note: 'Mailbox restored, confirmed by phone.' });
    expect(res.status).toBe(200);
    expect((await res.json()).lifted).toMatchObject({ id, reason: 'hard_bounce', source: 'smtp_reply' });
    expect((await lift(id, { note: 'again' })).status).toBe(404);
    expect((await lift('abc', { note: 'x' })).status).toBe(404);

    const audit = await t.c.pool.query("SELECT editor_name, detail FROM editor_actions WHERE action = 'suppression.lift'");
    expect(audit.rows).toEqual([expect.objectContaining({ detail: expect.stringContaining('Mailbox restored, confirmed by phone.') })]);
    expect(audit.rows[0].detail).toContain('hard_bounce');
    const record = await t.c.pool.query('SELECT lifted_by, note FROM suppression_lifts WHERE suppression_id = $1', [id]);
    expect(record.rows).toEqual([{ lifted_by: 'editor', note: 'Mailbox restored, confirmed by phone.' }]);

    const second = await createIssue(t, 'lifted-issue');
    await t.fetch(`/api/issues/${second}/send`, { method: 'POST', editor: true });
    await waitForStatus(t, second, ['completed'], 60_000);
    expect(t.sink!.to(email).filter((m) => /lifted-issue/.test(m.parsed.subject ?? ''))).toHaveLength(1);
  }, 150_000);

  it('the console lift needs the session CSRF token and a note', async () => {
    await t.c.suppressions.suppress({ emailHash: emailHash('console.lift@example.org'), reason: 'manual', source: 'editor' });
    const { id } = (await get('?q=console.lift@example.org')).body.suppressions[0];
    const { cookie } = await signIn(t);
    const post = (fields: Record<string, string>) =>
      t.fetch(`/admin/suppressions/${id}/lift`, {
        method: 'POST', headers: { cookie: cookie!, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString(),
      });
    expect((await post({ note: 'no token' })).status).toBe(403);
    expect((await post({ note: 'wrong token', _csrf: 'A'.repeat(43) })).status).toBe(403);
    const page = await (await t.fetch('/admin/suppressions', { headers: { cookie: cookie! } })).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
    expect((await post({ _csrf: csrf, note: ' ' })).status).toBe(422);
    expect((await get('?q=console.lift@example.org')).body.suppressions).toHaveLength(1);
    const ok = await post({ _csrf: csrf, note: 'Added by mistake' });
    expect(ok.status).toBe(303);
    expect((await get('?q=console.lift@example.org')).body.suppressions).toHaveLength(0);
  });

  it('an erased address cannot be lifted by an editor', async () => {
    const id = await confirmedReader(t, 'erased.nolift@example.org', ['ai']);
    await t.fetch(`/api/subscribers/${id}`, { method: 'DELETE', editor: true });
    const row = (await get(`?q=erased.nolift@example.org`)).body.suppressions[0];
    expect(row).toMatchObject({ reason: 'erased', source: 'editor' });
    const res = await lift(row.id, { note: 'they asked on the phone' });
    expect(res.status).toBe(409);
    expect((await res.json()).error.code).toBe('erased');
    expect((await get(`?q=erased.nolift@example.org`)).body.suppressions).toHaveLength(1);
  });

  it('imports addresses and hashes; a subscriber import of those addresses is refused; export round-trips', async () => {
    const addresses = ['old.bounce@example.org', 'old.complaint@example.org', 'Old.Manual@Example.org'];
    const imported = await csv(
      '/api/suppressions/import',
      `email,email_hash,reason\n${addresses[0]},,hard_bounce\n,${hex(addresses[1]!)},complaint\n${addresses[2]},,\nnot-an-address,,\n,abc,\nx@example.org,,bored\n`,
    );
    expect(imported.status).toBe(200);
    const report = await imported.json();
    expect(report).toMatchObject({ rows: 6, added: 3, unchanged: 0, invalidCount: 3 });
    expect(report.invalid.map((i: { line: number }) => i.line)).toEqual([5, 6, 7]);
    expect((await get(`?q=old.manual@example.org`)).body.suppressions[0]).toMatchObject({ reason: 'manual', source: 'import' });

    const readers = await csv('/api/subscribers/import', `email,topics\n${addresses.map((a) => `${a.toUpperCase()},ai`).join('\n')}\n`);
    expect(await readers.json()).toMatchObject({ imported: 0, updated: 0, suppressed: 3 });

    const exported = await t.fetch('/api/suppressions/export', { editor: true });
    expect(exported.headers.get('content-type')).toMatch(/^text\/csv/);
    const text = await exported.text();
    expect(text.split('\n')[0]).toBe('email_hash,reason,source,created_at');
    expect(text).not.toContain('@');
    expect(text).toContain(`${hex(addresses[1]!)},complaint,import,`);
    // The file imports back unchanged (an import never lifts or rewrites), and the action is audited.
    expect(await (await csv('/api/suppressions/import', text)).json()).toMatchObject({ added: 0, invalidCount: 0 });
    const audit = await t.c.pool.query("SELECT count(*)::int AS n FROM editor_actions WHERE action = 'suppressions.import'");
    expect(audit.rows[0].n).toBe(2);
    expect((await csv('/api/suppressions/import', 'name\nx\n')).status).toBe(400);
  });
});
