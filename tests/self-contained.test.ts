/**
 * The repository stands alone: a clone with nothing beside it has every file that its code, tests
 * and documents point at. Two checks over the files of the tree (what a clone has):
 * - every link in a Markdown file is a public URL (http, https, mailto) or a file inside the tree;
 * - no relative path written in a source, script or document climbs out of the tree, whether it is
 *   meant from the file's own folder (imports, links) or from the repository root (a command's
 *   working directory, as in `npm run cli -- issues import <file>`).
 * .ci/run proves the same at run time by testing a copy in an otherwise empty folder.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './helpers/process';

const SKIP_DIRS = new Set(['node_modules', 'dist', '.data', '.git', 'coverage', 'tmp']);
const TEXT = /\.(ts|js|mjs|cjs|json|md|sh|sql|yml|yaml|txt|mjml|html|css)$|^(Dockerfile|run|\.env\.example)$/;

function files(dir = ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return SKIP_DIRS.has(e.name) ? [] : files(full);
    return TEXT.test(e.name) && e.name !== 'package-lock.json' ? [full] : [];
  });
}

const inside = (p: string) => p === ROOT || p.startsWith(ROOT + path.sep);
const rel = (p: string) => path.relative(ROOT, p);
/** A module path may leave out its extension or name a folder's index. */
const exists = (p: string) => ['', '.ts', '.js', '.json', '/index.ts'].some((ext) => existsSync(p + ext));

/** Where a relative path written in `file` leads, if it leads out of the tree (else undefined). */
function escapes(file: string, target: string): string | undefined {
  const fromFile = path.resolve(path.dirname(file), target);
  if (inside(fromFile) && exists(fromFile)) return undefined;
  const fromRoot = path.resolve(ROOT, target);
  if (!inside(fromFile)) return fromFile;
  return inside(fromRoot) ? undefined : fromRoot;
}

describe('the repository stands alone', () => {
  const all = files();

  it('finds the files it checks', () => {
    expect(all.map(rel)).toEqual(expect.arrayContaining(['README.md', 'docs/contract.md', 'src/main.ts', 'tests/cli.test.ts', '.ci/run']));
  });

  it('Markdown links are public URLs or files inside the repository', () => {
    const bad: string[] = [];
    for (const file of all.filter((f) => f.endsWith('.md'))) {
      // Code blocks and code spans show syntax (`[label](url)`), not links.
      const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
      for (const m of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)|<((?:https?|mailto):[^>\s]+)>/g)) {
        const target = m[1] ?? m[2]!;
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
          if (!/^(https?|mailto):/i.test(target)) bad.push(`${rel(file)}: ${target} (not a public URL)`);
          continue;
        }
        const local = target.replace(/[#?].*$/, '');
        if (!local) continue; // an anchor in the same page
        const resolved = path.resolve(path.dirname(file), decodeURIComponent(local));
        if (!inside(resolved) || !existsSync(resolved)) bad.push(`${rel(file)}: ${target}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('no relative path in code, scripts or documents leads out of the repository', () => {
    const bad: string[] = [];
    for (const file of all) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?<![\w.])((?:\.\.\/)+[\w.@-][\w./@-]*)/g)) {
        const out = escapes(file, m[1]!);
        if (out) bad.push(`${rel(file)}: ${m[1]} → ${out}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('would catch what issue 12 found', () => {
    // The shapes that slipped through before: from the test's folder, from the root, from docs/.
    // (Joined here so that this file does not hold the paths it checks for.)
    const up = (...parts: string[]) => parts.join('/');
    const test = path.join(ROOT, 'tests/cli.test.ts');
    expect(escapes(test, up('..', '..', 'shared', 'seed', 'news.txt'))).toBeDefined();
    expect(escapes(test, up('..', 'shared', 'seed', 'news.txt'))).toBeDefined();
    expect(escapes(path.join(ROOT, 'docs/api.md'), up('..', 'shared', 'docs', 'contract.md'))).toBeDefined();
    expect(escapes(path.join(ROOT, 'scripts/bench/db.ts'), up('..', '..', 'src', 'db', 'pool'))).toBeUndefined();
  });
});
