/**
 * The CLI as an operator runs it: a separate process (`node --require tsx/cjs src/cli/index.ts`)
 * against a database of the test's own, booting through the same composition root as `npm start`.
 * Keys are created, listed, used and revoked; a plain-text bulletin is imported as a draft and listed;
 * a wrong command exits non-zero with the usage text.
 */
import { randomBytes } from 'node:crypto';
import { createPool, type Pool } from '../src/db/pool';
import { Queries } from '../src/db/queries';
import { EditorKeys } from '../src/editors/keys';
import { createTestDatabase, type TestDatabase } from './helpers/db';
import { REDIS_URL } from './helpers/env';
import { runEntry } from './helpers/process';

let db: TestDatabase;
let pool: Pool;
let keys: EditorKeys;
const queuePrefix = `tt_cli_${randomBytes(5).toString('hex')}`;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, 2);
  keys = new EditorKeys(pool, Queries.load());
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

const cli = (...args: string[]) =>
  runEntry('src/cli/index.ts', args, { DATABASE_URL: db.url, REDIS_URL, QUEUE_PREFIX: queuePrefix, LOG_LEVEL: 'warn' });

/** Data rows of a table printed by src/cli/table.ts (after the header and the dashes). */
const tableRows = (out: string) => {
  const lines = out.split('\n');
  const dashes = lines.findIndex((l) => /^-+(\s+-+)*$/.test(l));
  const rows: string[][] = [];
  for (const l of lines.slice(dashes + 1)) {
    if (!l.trim()) break;
    rows.push(l.split(/\s{2,}/));
  }
  return rows;
};

test('keys create / list / revoke: the printed key authenticates until it is revoked', async () => {
  const created = await cli('keys', 'create', 'Alice', '--email', 'alice@example.org');
  expect(created.stderr).toBe('');
  expect(created.code).toBe(0);
  const key = /^\s+(td_[A-Za-z0-9_-]{43})$/m.exec(created.stdout)?.[1];
  expect(key).toBeDefined();
  expect(await keys.authenticate(key!)).toMatchObject({ name: 'Alice', email: 'alice@example.org' });

  const listed = await cli('keys', 'list');
  expect(listed.code).toBe(0);
  const row = tableRows(listed.stdout).find((r) => r[1] === 'Alice');
  expect(row).toBeDefined();
  expect(row![2]).toBe(`${key!.slice(0, 6)}…`);
  const keyId = row![0]!;

  const revoked = await cli('keys', 'revoke', keyId);
  expect(revoked.code).toBe(0);
  expect(revoked.stdout).toContain(`Key ${keyId} revoked.`);
  expect(await keys.authenticate(key!)).toBeNull();
  const again = await cli('keys', 'revoke', keyId);
  expect(again.code).toBe(0);
  expect(again.stdout).toContain(`No active key ${keyId}.`);
}, 60_000);

test('issues import prints the 27 items with suggested topics and creates a draft; issues list shows it', async () => {
  const imported = await cli('issues', 'import', 'tests/fixtures/tmt-bulletin-may-june-2024.txt');
  expect(imported.stderr).toBe('');
  expect(imported.code).toBe(0);
  const rows = tableRows(imported.stdout);
  expect(rows.map((r) => r[0])).toEqual(Array.from({ length: 27 }, (_, i) => String(i + 1)));
  // Every item of a plain-text newsletter gets its topics from the keyword model.
  expect(rows.every((r) => r.at(-1)!.startsWith('suggested'))).toBe(true);
  expect(rows.some((r) => /telecom|ai|nev/.test(r.at(-2)!))).toBe(true);
  const draft = /Draft issue (\d+) "([a-z0-9-]+)" created/.exec(imported.stdout);
  expect(draft).not.toBeNull();
  const issue = await pool.query('SELECT slug, status, suggestions FROM issues WHERE id = $1', [Number(draft![1])]);
  expect(issue.rows[0]).toMatchObject({ slug: draft![2], status: 'draft' });
  // The same use case as the API and the console, so the import is in the audit log (issue 13).
  const audit = await pool.query('SELECT editor_id, editor_name, action, detail FROM editor_actions WHERE issue_id = $1', [Number(draft![1])]);
  expect(audit.rows).toEqual([{ editor_id: null, editor_name: 'cli', action: 'issue.import', detail: `text: ${draft![2]}` }]);

  const listed = await cli('issues', 'list');
  expect(listed.code).toBe(0);
  const mine = tableRows(listed.stdout).find((r) => r[0] === draft![1]);
  expect(mine).toEqual([draft![1], draft![2], 'draft', '27', expect.any(String)]);
}, 60_000);

test('a wrong command exits non-zero with the usage text', async () => {
  const [unknown, badId, none] = await Promise.all([cli('frobnicate'), cli('keys', 'revoke', 'abc'), cli()]);
  for (const run of [unknown, badId, none]) {
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Usage: npm run cli -- <command>');
    expect(run.stdout).toBe('');
  }
  expect(unknown.stderr).toContain('unknown command "frobnicate"');
  expect(badId.stderr).toContain('keys revoke needs a numeric key id');
}, 30_000);
