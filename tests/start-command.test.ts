/**
 * `npm start` and the Docker image start the service the same way, through scripts/start.sh, which
 * gives each ROLE its V8 heap flags (docs/performance.md "Memory") and execs Node. The launcher runs
 * here for real with a stand-in `node` first on PATH that reports the arguments, directory and pid
 * it was started with.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '..');

test("the Dockerfile's CMD is the npm start script", () => {
  const start = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(path.join(root, 'Dockerfile'), 'utf8'))?.[1];
  expect(cmd).toBeDefined();
  expect((JSON.parse(cmd!) as string[]).join(' ')).toBe(start);
  expect(start).toBe('sh scripts/start.sh');
  // The runtime image carries the launcher.
  expect(readFileSync(path.join(root, 'Dockerfile'), 'utf8')).toMatch(/^COPY scripts\/start\.sh \.\/scripts\/start\.sh$/m);
});

const bin = mkdtempSync(path.join(os.tmpdir(), 'fake-node-'));
writeFileSync(path.join(bin, 'node'), '#!/bin/sh\necho "$$|$(pwd)|$*|${MALLOC_ARENA_MAX:-unset}"\n');
chmodSync(path.join(bin, 'node'), 0o755);

function launch(env: Record<string, string>, args: string[] = []): Promise<{ pid: number; said: string }> {
  return new Promise((resolve, reject) => {
    // Started from elsewhere: the launcher moves to the repository itself.
    const child = spawn('sh', [path.join(root, 'scripts/start.sh'), ...args], { cwd: os.tmpdir(), env: { PATH: `${bin}:/usr/bin:/bin`, ...env } });
    let said = '';
    child.stdout.on('data', (d: Buffer) => (said += d.toString()));
    child.on('error', reject);
    child.on('close', () => resolve({ pid: child.pid!, said: said.trim() }));
  });
}

test('a worker gets 2 MB semi-spaces, 10 % old-space growth and two malloc arenas; api, all and no ROLE get 8 MB semi-spaces', async () => {
  const worker = await launch({ ROLE: 'worker' });
  const [pid, dir, args, arenas] = worker.said.split('|');
  // exec: Node runs in the launcher's own process, so signals and the bench's sampler reach it.
  expect(Number(pid)).toBe(worker.pid);
  expect(dir).toBe(root);
  expect(args).toBe('--max-semi-space-size=2 --heap-growing-percent=10 dist/src/main.js');
  expect(arenas).toBe('2');
  for (const env of [{ ROLE: 'api' }, { ROLE: 'all' }, {}] as Record<string, string>[]) {
    const [, , apiArgs, apiArenas] = (await launch(env)).said.split('|');
    expect(apiArgs).toBe('--max-semi-space-size=8 dist/src/main.js');
    expect(apiArenas).toBe('unset');
  }
});

test('extra arguments are Node flags, placed before the entry point', async () => {
  const r = await launch({ ROLE: 'worker' }, ['--cpu-prof', '--cpu-prof-dir', '/tmp/p']);
  expect(r.said.split('|')[2]).toBe('--max-semi-space-size=2 --heap-growing-percent=10 --cpu-prof --cpu-prof-dir /tmp/p dist/src/main.js');
});

test('the real Node accepts the flags of every role', () => {
  for (const flags of [['--max-semi-space-size=2', '--heap-growing-percent=10'], ['--max-semi-space-size=8']]) {
    expect(execFileSync(process.execPath, [...flags, '-e', 'process.stdout.write("ok")']).toString()).toBe('ok');
  }
});
