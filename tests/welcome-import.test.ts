/**
 * Issue 19, "not for imported readers unless asked": a CSV import sends the welcome email only with
 * ?welcome=1 (the console's checkbox), only to the readers it adds, with their topics.
 */
import { startTestApp, type TestApp } from './helpers/app';
import { linkIn, mailTo } from './helpers/readers';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ env: { WELCOME_EMAIL: 'on' } });
}, 30_000);

afterAll(async () => {
  await t?.close();
});

const importCsv = async (csv: string, query = '') => {
  const res = await t.fetch(`/api/subscribers/import${query}`, { method: 'POST', editor: true, headers: { 'content-type': 'text/csv' }, body: csv });
  expect(res.status).toBe(200);
  return (await res.json()) as { imported: number; updated: number; suppressed: number; welcomed: number };
};
const settle = () => new Promise((r) => setTimeout(r, 1500));

test('welcome=1: each added reader gets one welcome email with their topics; a re-import sends none', async () => {
  const readers: [string, string[]][] = [['w1@example.org', ['ai']], ['w2@example.org', ['ai', 'telecom']], ['w3@example.org', ['telecom']]];
  const csv = `email,name,topics\n${readers.map(([e, topics]) => `${e},,${topics.join(';')}`).join('\n')}\n`;
  expect(await importCsv(csv, '?welcome=1&dryRun=1')).toMatchObject({ imported: 3, welcomed: 3 });
  expect(await importCsv(csv, '?welcome=1')).toMatchObject({ imported: 3, welcomed: 3 });
  const names = new Map((await t.c.topics.list()).map((x) => [x.slug, x.name]));
  for (const [email, topics] of readers) {
    const mail = await mailTo(t, email, 1);
    expect(mail.parsed.subject).toBe('Welcome to Tidings');
    for (const slug of topics) expect(mail.parsed.text).toContain(names.get(slug)!);
    expect(linkIn(mail, '/preferences')).toMatch(/\/preferences\//);
  }
  // The same readers again, asked again: they exist, so nobody is welcomed twice.
  expect(await importCsv(csv, '?welcome=1')).toMatchObject({ imported: 0, updated: 3, welcomed: 0 });
  await settle();
  for (const [email] of readers) expect(t.sink!.to(email)).toHaveLength(1);
}, 60_000);

test('without welcome=1 (or welcome=0) an import sends nothing; suppressed addresses get nothing either', async () => {
  expect(await importCsv('email,name,topics\nquiet1@example.org,,ai\n')).toMatchObject({ imported: 1, welcomed: 0 });
  expect(await importCsv('email,name,topics\nquiet2@example.org,,ai\n', '?welcome=0')).toMatchObject({ imported: 1, welcomed: 0 });
  await t.fetch('/api/suppressions/import?reason=manual', { method: 'POST', editor: true, headers: { 'content-type': 'text/csv' }, body: 'email\nblocked@example.org\n' });
  expect(await importCsv('email,name,topics\nblocked@example.org,,ai\n', '?welcome=1')).toMatchObject({ imported: 0, suppressed: 1, welcomed: 0 });
  await settle();
  for (const e of ['quiet1@example.org', 'quiet2@example.org', 'blocked@example.org']) expect(t.sink!.to(e)).toHaveLength(0);
  const rows = await t.c.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM transactional_messages WHERE kind = 'welcome'`);
  expect(rows.rows[0]!.n).toBe(3);
}, 60_000);

test('a bad welcome value is refused before anything is written', async () => {
  const res = await t.fetch('/api/subscribers/import?welcome=yes', { method: 'POST', editor: true, headers: { 'content-type': 'text/csv' }, body: 'email\nnope@example.org\n' });
  expect(res.status).toBe(422);
});
