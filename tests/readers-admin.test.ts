/** Editor subscriber management: CSV import (dry run, suppression), export, search, privacy export, erase. */
import { startTestApp, type TestApp } from './helpers/app';
import { confirmedReader, subscriberByEmail } from './helpers/readers';

const IMPORT_ROWS = Number(process.env.READERS_IMPORT_ROWS ?? 20_000);

describe('subscriber management', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { SUBSCRIBE_LIMIT_PER_IP: '0', SUBSCRIBE_LIMIT_PER_ADDRESS: '0' } });
  });
  afterAll(() => t.close());

  /** Rows in the delivery engine's tables (db/migrations/004_delivery.sql) for two issues. */
  async function seedDeliveries(id: number, otherId: number): Promise<number[]> {
    const ids: number[] = [];
    for (const [slug, title, topics, status, code] of [
      ['privacy-one', 'Privacy one', 'ai', 'sent', 250],
      ['privacy-two', 'Privacy two', 'ai,nev', 'failed', 550],
    ] as const) {
      const q = (sql: string, params: unknown[]) => t.c.pool.query(sql, params).then((r) => r.rows[0].id as number);
      const issue = await q("INSERT INTO issues (slug, title, status, document) VALUES ($1, $2, 'sent', '{}') RETURNING id", [slug, title]);
      const send = await q("INSERT INTO sends (issue_id, status, max_subscriber_id) VALUES ($1, 'completed', $2) RETURNING id", [issue, otherId]);
      const batch = await q(
        "INSERT INTO send_batches (send_id, status, size, first_subscriber_id, last_subscriber_id) VALUES ($1, 'done', 2, least($2::bigint, $3::bigint), greatest($2::bigint, $3::bigint)) RETURNING id",
        [send, id, otherId],
      );
      ids.push(await q(
        `INSERT INTO deliveries (send_id, batch_id, subscriber_id, topics, status, attempts, smtp_code, sent_at)
         VALUES ($1, $2, $3, $4, $5, 1, $6, CASE WHEN $5 = 'sent' THEN now() END) RETURNING id`,
        [send, batch, id, topics, status, code],
      ));
      await q("INSERT INTO deliveries (send_id, batch_id, subscriber_id, topics, status) VALUES ($1, $2, $3, 'ai', 'sent') RETURNING id", [send, batch, otherId]);
      if (status === 'failed') {
        await q("INSERT INTO bounce_events (email_hash, type, reason, send_id, subscriber_id) VALUES ('\\x00', 'hard', '550 no such user', $1, $2) RETURNING id", [send, id]);
      }
    }
    return ids;
  }

  const importCsv = (csv: string, dry = false) =>
    t.fetch(`/api/subscribers/import${dry ? '?dryRun=1' : ''}`, { method: 'POST', editor: true, headers: { 'content-type': 'text/csv' }, body: csv });

  it('needs an editor key', async () => {
    expect((await t.fetch('/api/subscribers')).status).toBe(401);
    expect((await t.fetch('/api/subscribers/import', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: 'email\n' })).status).toBe(401);
  });

  it('imports with a dry run first, reports invalid lines and duplicates, and confirms with source import', async () => {
    const csv = 'email,name,topics\nann@example.org,Ann,ai;nev\nBOB@Example.ORG,,telecom ai\nbad-address,X,ai\ncid@example.org,Cid,sports\nann@example.org,Again,ai\ndee@example.org,"Dee, D.",\n';
    const dry = await importCsv(csv, true);
    expect(dry.status).toBe(200);
    const report = await dry.json();
    expect(report).toMatchObject({ dryRun: true, imported: 2, updated: 0, suppressed: 0, duplicates: 1, invalidCount: 3 });
    expect(report.invalid.map((i: { line: number }) => i.line)).toEqual([4, 5, 7]);
    expect(await subscriberByEmail(t, 'ann@example.org')).toBeUndefined();

    const real = await (await importCsv(csv)).json();
    expect(real).toMatchObject({ dryRun: false, imported: 2, updated: 0 });
    expect(await subscriberByEmail(t, 'ann@example.org')).toMatchObject({ status: 'confirmed', name: 'Ann', topics: ['ai', 'nev'] });
    expect(await subscriberByEmail(t, 'BOB@example.org')).toMatchObject({ status: 'confirmed', topics: ['ai', 'telecom'] });
    const { rows } = await t.c.pool.query("SELECT c.kind, c.source FROM consent_events c JOIN subscribers s ON s.id = c.subscriber_id WHERE s.email = 'ann@example.org'");
    expect(rows).toEqual([{ kind: 'confirmed', source: 'import' }]);
    // Again: now an update.
    expect(await (await importCsv('email,topics\nann@example.org,telecom\n')).json()).toMatchObject({ imported: 0, updated: 1 });
    expect(await subscriberByEmail(t, 'ann@example.org')).toMatchObject({ name: 'Ann', topics: ['telecom'] });
  });

  it('rejects a CSV without the header, a broken CSV and a wrong content type', async () => {
    expect((await importCsv('foo,bar\n1,2\n')).status).toBe(400);
    expect((await importCsv('email,name\n"unterminated,x\n')).status).toBe(400);
    const wrong = await t.fetch('/api/subscribers/import', { method: 'POST', editor: true, json: [] });
    expect(wrong.status).toBe(415);
  });

  it(`imports ${IMPORT_ROWS} rows in batches (timing logged)`, async () => {
    const lines = ['email,name,topics'];
    for (let i = 0; i < IMPORT_ROWS; i++) lines.push(`bulk${i}@example.com,Reader ${i},${['ai', 'nev', 'telecom', 'ai;nev'][i % 4]}`);
    const start = Date.now();
    const report = await (await importCsv(lines.join('\n'))).json();
    const ms = Date.now() - start;
    console.log(`import of ${IMPORT_ROWS} rows: ${ms} ms (${Math.round(IMPORT_ROWS / (ms / 1000))} rows/s)`);
    expect(report).toMatchObject({ imported: IMPORT_ROWS, updated: 0, invalidCount: 0 });
    const { rows } = await t.c.pool.query("SELECT count(*)::int AS n FROM subscribers WHERE email LIKE 'bulk%' AND status = 'confirmed'");
    expect(rows[0].n).toBe(IMPORT_ROWS);
  }, 120_000);

  it('lists, searches and exports CSV', async () => {
    const list = await (await t.fetch('/api/subscribers?q=ann%40&status=confirmed', { editor: true })).json();
    expect(list.subscribers.map((s: { email: string }) => s.email)).toEqual(['ann@example.org']);
    const page = await (await t.fetch('/api/subscribers?topic=nev&limit=5', { editor: true })).json();
    expect(page.subscribers).toHaveLength(5);
    expect(page.nextBefore).toEqual(expect.any(Number));
    expect((await t.fetch('/api/subscribers?status=nope', { editor: true })).status).toBe(422);

    await importCsv('email,name,topics\neve@example.org,"Eve, E.",ai\nmal@example.org,"=HYPERLINK(""http://x"")",ai\n');
    const res = await t.fetch('/api/subscribers/export?q=example.org', { editor: true });
    expect(res.headers.get('content-type')).toMatch(/text\/csv/);
    const csv = await res.text();
    expect(csv.split('\n')[0]).toBe('email,name,topics,status,created_at,confirmed_at,timezone');
    expect(csv).toContain('ann@example.org,Ann,telecom,confirmed,');
    expect(csv).toContain('eve@example.org,"Eve, E.",ai,confirmed');
    // Spreadsheet formulas are defused.
    expect(csv).toContain(`mal@example.org,"'=HYPERLINK(""http://x"")",ai`);
  });

  it('privacy export holds everything incl. the consent ledger; erase removes personal data and suppresses', async () => {
    const id = await confirmedReader(t, 'private.reader@example.org', ['ai']);
    const exp = await (await t.fetch(`/api/subscribers/${id}/export`, { editor: true })).json();
    expect(exp.subscriber).toMatchObject({ id, email: 'private.reader@example.org', status: 'confirmed', topics: ['ai'] });
    expect(exp.consentEvents.map((e: { kind: string }) => e.kind)).toEqual(['requested', 'confirmed']);
    expect(exp.consentEvents[0]).toMatchObject({ source: 'api', consentVersion: expect.any(String), ip: expect.any(String) });
    expect(exp.transactionalEmails).toEqual([expect.objectContaining({ kind: 'confirm', status: 'sent' })]);
    expect(exp.newsletterDeliveries).toEqual([]);

    // Two sends in the delivery engine's ledger: this reader got one issue and bounced on the other;
    // another reader's delivery must not show up.
    const other = await confirmedReader(t, 'other.reader@example.org', ['ai']);
    const deliveries = await seedDeliveries(id, other);
    const withMail = await (await t.fetch(`/api/subscribers/${id}/export`, { editor: true })).json();
    expect(withMail.newsletterDeliveries).toEqual([
      expect.objectContaining({ id: deliveries[0], issueSlug: 'privacy-one', issueTitle: 'Privacy one', topics: ['ai'], status: 'sent', sentAt: expect.any(String) }),
      expect.objectContaining({ id: deliveries[1], issueSlug: 'privacy-two', topics: ['ai', 'nev'], status: 'failed', smtpCode: 550 }),
    ]);
    expect(withMail.bounces).toEqual([expect.objectContaining({ type: 'hard', reason: '550 no such user' })]);

    // A subscribe request still waiting for the worker is part of the export, and goes with the erase.
    await t.c.pool.query(
      "INSERT INTO subscription_requests (email, topics, source, consent_version, ip) VALUES ('PRIVATE.reader@example.org', '{nev}', 'form', 'v', '198.51.100.7')",
    );
    const waiting = await (await t.fetch(`/api/subscribers/${id}/export`, { editor: true })).json();
    expect(waiting.pendingRequests).toEqual([expect.objectContaining({ topics: ['nev'], source: 'form', ip: '198.51.100.7' })]);

    const del = await t.fetch(`/api/subscribers/${id}`, { method: 'DELETE', editor: true });
    expect(del.status).toBe(200);
    expect((await t.fetch(`/api/subscribers/${id}`, { method: 'DELETE', editor: true })).status).toBe(200);
    const after = await (await t.fetch(`/api/subscribers/${id}/export`, { editor: true })).json();
    // The ledger keeps its rows (counts of past sends); they name no address.
    expect(after.newsletterDeliveries).toHaveLength(2);
    expect(after.subscriber).toMatchObject({ email: null, name: null, status: 'erased', topics: [] });
    expect(after.consentEvents.every((e: { ip: unknown; userAgent: unknown }) => e.ip === null && e.userAgent === null)).toBe(true);
    expect(after.consentEvents.at(-1).kind).toBe('erased');
    const { rows } = await t.c.pool.query(
      "SELECT (SELECT count(*) FROM subscribers WHERE lower(email) = 'private.reader@example.org') + (SELECT count(*) FROM subscription_requests)::int AS n",
    );
    expect(Number(rows[0].n)).toBe(0);

    // A later import cannot bring them back (the reader's own confirmed request can:
    // tests/suppressions-way-back.test.ts).
    const report = await (await importCsv('email,topics\nprivate.reader@example.org,ai\n')).json();
    expect(report).toMatchObject({ imported: 0, updated: 0, suppressed: 1 });
    // The suppression list matches whatever the letter case.
    expect(await (await importCsv('email,topics\nPrivate.Reader@EXAMPLE.org,ai\n')).json()).toMatchObject({ imported: 0, suppressed: 1 });
    expect((await t.fetch('/api/subscribers/999999', { method: 'DELETE', editor: true })).status).toBe(404);
    // One answer for a bad id on every route (issue 13): the path names nothing, as for 999999.
    expect((await t.fetch('/api/subscribers/abc', { editor: true })).status).toBe(404);
    // Erasures (each call) and real imports are in the audit log, as from the console; dry runs
    // and refused calls are not.
    const audit = await t.c.pool.query<{ action: string; editor_name: string; detail: string }>(
      "SELECT action, editor_name, detail FROM editor_actions WHERE action IN ('subscriber.erase', 'subscribers.import') AND (detail = $1 OR action = 'subscribers.import') ORDER BY id",
      [`subscriber ${id}`],
    );
    expect(audit.rows.filter((r) => r.action === 'subscriber.erase')).toEqual([
      { action: 'subscriber.erase', editor_name: 'admin', detail: `subscriber ${id}` },
      { action: 'subscriber.erase', editor_name: 'admin', detail: `subscriber ${id}` },
    ]);
    expect(audit.rows.filter((r) => r.action === 'subscribers.import').at(-1)).toEqual(
      { action: 'subscribers.import', editor_name: 'admin', detail: '0 imported, 0 updated' },
    );
  });
});
