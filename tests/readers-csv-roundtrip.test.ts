/**
 * Issue 11, item 11: the export's spreadsheet escaping survives a round trip. The export puts `'`
 * before a cell starting with = + - @ so spreadsheets show text, not a formula; re-importing that
 * export must change no name and no address (before, it renamed readers to `'=…` and created new
 * readers for addresses such as `'+news@…`).
 */
import { startTestApp, type TestApp } from './helpers/app';
import { confirmedReader } from './helpers/readers';

describe('CSV export → import round trip', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const readers = [
    { email: '+plus@example.org', name: '=SUM(A1:A9)' },
    { email: '-dash@example.org', name: '+1 555 0100' },
    { email: 'at.home@example.org', name: '@home' },
    { email: 'quoted@example.org', name: "'=already quoted" },
    { email: 'apostrophe@example.org', name: "'plain, with a comma" },
    { email: "o'brien@example.org", name: "O'Brien" },
    { email: 'minus@example.org', name: '-' },
  ];
  const snapshot = async () =>
    (await t.c.pool.query<{ id: number; email: string; name: string; status: string }>("SELECT id, email, name, status FROM subscribers WHERE email LIKE '%@example.org' ORDER BY id")).rows;

  it('re-importing an export changes no name or address and creates no reader', async () => {
    for (const r of readers) await confirmedReader(t, r.email, ['ai'], r.name);
    const before = await snapshot();
    expect(before.map((r) => [r.email, r.name])).toEqual(readers.map((r) => [r.email, r.name]));

    const exported = await (await t.fetch('/api/subscribers/export', { editor: true })).text();
    const res = await t.fetch('/api/subscribers/import', { method: 'POST', editor: true, headers: { 'content-type': 'text/csv' }, body: exported });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ imported: 0, updated: readers.length, invalid: [], suppressed: 0 });
    expect(await snapshot()).toEqual(before);

    // What a spreadsheet sees: every cell that would run as a formula starts with an apostrophe.
    expect(exported).toContain(`'+plus@example.org,'=SUM(A1:A9),ai,confirmed`);
    expect(exported).toContain(`'-dash@example.org,'+1 555 0100,ai`);
    expect(exported).toContain(`at.home@example.org,'@home,ai`);
    expect(exported).toContain(`quoted@example.org,''=already quoted,ai`);
    expect(exported).toContain(`apostrophe@example.org,"'plain, with a comma",ai`);
    expect(exported).toContain(`o'brien@example.org,O'Brien,ai`);
    expect(exported).toContain(`minus@example.org,'-,ai`);
  });
});
