/**
 * `npm start` and the Docker image start the service the same way: the same Node flags (V8's 8 MB
 * semi-spaces, docs/performance.md "Memory") before the same entry point. The bench reads its flags
 * from the start script too (scripts/bench/procs.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..');

test("the Dockerfile's CMD is the npm start script", () => {
  const start = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(path.join(root, 'Dockerfile'), 'utf8'))?.[1];
  expect(cmd).toBeDefined();
  expect((JSON.parse(cmd!) as string[]).join(' ')).toBe(start);
  expect(start).toMatch(/^node --max-semi-space-size=8 dist\/src\/main\.js$/);
});
