/**
 * One reader per mailbox whatever the letter case: Ann@x.org and ann@x.org are the same subscriber
 * (unique on lower(email)), for the form/API, the import and the suppression list. The address is
 * stored as first given, with its domain lower-cased.
 */
import { startTestApp, type TestApp } from './helpers/app';
import { emailHash } from '../src/subscribers/email-hash';
import { confirmedReader, mailTo } from './helpers/readers';

describe('case-insensitive addresses', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { SUBSCRIBE_LIMIT_PER_IP: '0', SUBSCRIBE_LIMIT_PER_ADDRESS: '0' } });
  });
  afterAll(() => t.close());

  const subscribe = (email: string, topics: string[]) => t.fetch('/api/subscriptions', { method: 'POST', json: { email, topics } });
  const rowsFor = async (email: string) =>
    (await t.c.pool.query<{ id: number; email: string; status: string }>('SELECT id, email, status FROM subscribers WHERE lower(email) = lower($1) ORDER BY id', [email])).rows;
  const importCsv = async (csv: string) =>
    (await t.fetch('/api/subscribers/import', { method: 'POST', editor: true, headers: { 'content-type': 'text/csv' }, body: csv })).json();

  it('subscribing in another letter case reaches the same reader', async () => {
    expect((await subscribe('Ann.Case@Example.ORG', ['ai'])).status).toBe(202);
    await mailTo(t, 'Ann.Case@example.org', 1);
    expect((await subscribe('ann.case@example.org', ['nev'])).status).toBe(202);
    const second = await mailTo(t, 'Ann.Case@example.org', 2);
    expect(second.parsed.subject).toMatch(/Confirm/);
    expect(await rowsFor('ann.case@example.org')).toEqual([{ id: expect.any(Number), email: 'Ann.Case@example.org', status: 'pending' }]);
    expect(t.sink!.to('ann.case@example.org')).toHaveLength(0);
  });

  it('a confirmed reader asking again in capitals gets their preferences link, not a second row', async () => {
    const id = await confirmedReader(t, 'Bea@example.org', ['ai']);
    const before = t.sink!.to('Bea@example.org').length;
    expect((await subscribe('BEA@EXAMPLE.ORG', ['nev'])).status).toBe(202);
    expect((await mailTo(t, 'Bea@example.org', before + 1)).parsed.subject).toMatch(/already subscribed/);
    expect(await rowsFor('bea@example.org')).toEqual([{ id, email: 'Bea@example.org', status: 'confirmed' }]);
  });

  it('the database refuses a second row that differs only in case', async () => {
    await expect(t.c.pool.query("INSERT INTO subscribers (email, status) VALUES ('ANN.CASE@example.org', 'pending')")).rejects.toMatchObject({
      code: '23505',
    });
  });

  it('imports match existing readers and each other case-insensitively', async () => {
    const report = await importCsv('email,name,topics\nBEA@example.org,Bea,telecom\nZed@example.org,Zed,ai\nzed@EXAMPLE.org,Zed again,nev\n');
    expect(report).toMatchObject({ imported: 1, updated: 1, duplicates: 1, invalidCount: 0 });
    expect(await rowsFor('bea@example.org')).toHaveLength(1);
    expect(await rowsFor('zed@example.org')).toEqual([{ id: expect.any(Number), email: 'Zed@example.org', status: 'confirmed' }]);
    // The pending reader is confirmed by the import, under the address as first given.
    expect(await importCsv('email,topics\nann.case@EXAMPLE.org,ai\n')).toMatchObject({ imported: 0, updated: 1 });
    expect(await rowsFor('ann.case@example.org')).toEqual([{ id: expect.any(Number), email: 'Ann.Case@example.org', status: 'confirmed' }]);
  });

  it('the suppression list matches any letter case', async () => {
    await t.c.pool.query("INSERT INTO suppressions (email_hash, reason) VALUES ($1, 'hard_bounce')", [emailHash('Sup@example.org')]);
    expect((await subscribe('sUP@Example.org', ['ai'])).status).toBe(202);
    expect(await importCsv('email,topics\nSUP@example.org,ai\n')).toMatchObject({ imported: 0, suppressed: 1 });
    await new Promise((r) => setTimeout(r, 500));
    expect(await rowsFor('sup@example.org')).toEqual([]);
    expect(t.sink!.messages.filter((m) => m.to[0]!.toLowerCase() === 'sup@example.org')).toHaveLength(0);
  });
});
