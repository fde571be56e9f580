/**
 * `npm run lint` (after eslint and the import rules): no file in src/, workers/, scripts/ or tests/
 * is longer than 300 lines, SQL files excepted (db/queries holds each capability's named queries in
 * one file). A long file is a sign that a view, a use case or a helper wants its own module.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export const MAX_LINES = 300;
export const CHECKED_DIRS = ['src', 'workers', 'scripts', 'tests'];

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) yield* files(full);
    else yield full;
  }
}

/** Files over the limit, as `path: N lines`, relative to `root`. */
export function tooLong(root: string, max = MAX_LINES): string[] {
  const out: string[] = [];
  for (const dir of CHECKED_DIRS) {
    for (const file of files(path.join(root, dir))) {
      if (file.endsWith('.sql')) continue;
      const text = readFileSync(file, 'utf8');
      const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
      if (lines > max) out.push(`${path.relative(root, file)}: ${lines} lines`);
    }
  }
  return out;
}

if (require.main === module) {
  const long = tooLong(path.resolve(__dirname, '..'));
  if (long.length) {
    console.error(`Files over ${MAX_LINES} lines (split them):\n  ${long.join('\n  ')}`);
    process.exit(1);
  }
}
