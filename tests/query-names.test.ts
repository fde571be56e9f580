/**
 * Query names are checked by the compiler (issue 13): `queries.sql()` takes the union generated
 * from db/queries into src/db/query-names.ts, so a name no SQL file declares fails `npm run
 * typecheck`. Proven by running tsc on a tiny file that uses one right and one wrong name.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { readQueryFiles } from '../src/db/queries';
import { QUERY_NAMES } from '../src/db/query-names';
import { QUERY_NAMES_FILE, renderQueryNames } from '../scripts/query-names';

const ROOT = path.resolve(__dirname, '..');
const run = promisify(execFile);

test('src/db/query-names.ts is the list db/queries declares (npm run queries wrote it)', () => {
  expect(readFileSync(QUERY_NAMES_FILE, 'utf8')).toBe(renderQueryNames(readQueryFiles()));
  expect([...QUERY_NAMES].sort()).toEqual([...readQueryFiles().keys()].sort());
});

test('an unknown query name does not typecheck; a known one does', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tidings-qn-'));
  try {
    const file = path.join(dir, 'use.ts');
    const queries = path.join(ROOT, 'src/db/queries');
    writeFileSync(
      file,
      [
        `import type { Queries } from ${JSON.stringify(queries)};`,
        'export function use(q: Queries): string[] {',
        "  return [q.sql('send-pause'), q.prepared('subscriber-lock-by-email').text,",
        "    q.sql('send-pauze')];",
        '}',
        '',
      ].join('\n'),
    );
    const tsconfig = JSON.parse(readFileSync(path.join(ROOT, 'tsconfig.json'), 'utf8')) as { compilerOptions: Record<string, unknown> };
    writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { ...tsconfig.compilerOptions, types: ['node'], typeRoots: [path.join(ROOT, 'node_modules/@types')] },
        files: [file],
      }),
    );
    const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', path.join(dir, 'tsconfig.json'), '--pretty', 'false'], { cwd: ROOT }).then(
      (r) => ({ code: 0, out: r.stdout }),
      (err: { code: number; stdout: string }) => ({ code: err.code, out: err.stdout }),
    );
    const errors = result.out.split('\n').filter((l) => l.includes('error TS'));
    expect(result.code).not.toBe(0);
    // Exactly one error, on line 4 (the wrong name), and it names the name.
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('use.ts(4,');
    expect(errors[0]).toMatch(/TS2345.*"send-pauze"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
