/**
 * Where the files the code reads at run time live (SQL, migrations, email templates, page
 * assets). Resolved from the package root, not from this file, because the same modules run from
 * `src/` (tests, tsx) and compiled from `dist/src/` (`npm start`, the Docker image).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

function packageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const ROOT = packageRoot(__dirname);

/** MJML layout and partials (src/rendering) and the sample issues (src/issues/sample.ts). */
export const EMAILS_DIR = path.join(ROOT, 'emails');
