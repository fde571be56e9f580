/**
 * Keeps `npm run bench` working without running the full thing: a tiny run of every phase, in its
 * own processes, database and redis-server. Figures are never asserted here; correctness is.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

function runBench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/bench/index.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // About 40 s on a quiet 2-core machine; several times that under a loaded one (seen: 56 s, and 110 s with the /l/ phase at load 20).
    const timer = setTimeout(() => child.kill('SIGINT'), 170_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test('a tiny bench runs every phase and its JSON line reports no duplicate and no lost email', async () => {
  const { code, stdout, stderr } = await runBench([
    '--subscribers', '300', '--workers', '1', '--json', '--api-seconds', '1', '--api-connections', '10',
    '--naive', '5', '--limit', '100', '--timeout', '100', '--past-sends', '3',
  ]);
  if (code !== 0) throw new Error(`bench exited ${code}\n${stderr}\n${stdout}`);
  const last = stdout.trim().split('\n').at(-1)!;
  const r = JSON.parse(last) as Record<string, unknown>;
  expect(r.subscribers).toBe(300);
  // The send ran beside three earlier sends' ledger partitions (its statements name its own).
  expect(r.past_sends).toBe(3);
  expect(r.send_status).toBe('completed');
  expect(r.duplicates).toBe(0);
  expect(r.lost).toBe(0);
  expect(r.limit_lost).toBe(0);
  expect(r.naive_lost).toBe(0);
  expect(r.received).toBe(r.expected);
  for (const key of ['e2e_emails_per_s', 'limit_emails_per_s', 'limit_smtp_pool_emails_per_s', 'naive_emails_per_s', 'prepare_rows_per_s',
    'worker_peak_rss_mb', 'api_peak_rss_mb', 'subscribe_rps', 'subscribe_p99_ms', 'hello_rps', 'clicks_rps', 'clicks_p99_ms', 'clicks_vs_hello', 'unsubscribe_vs_hello',
    // Where the CPU goes: ours, the local Postgres server's, the limit phase's pushers'.
    'cpu_s_per_1000_emails', 'postgres_cpu_s_per_1000_emails', 'limit_smtp_pool_cpu_s_per_1000']) {
    expect(typeof r[key]).toBe('number');
  }
  expect(r.subscribe_non2xx).toBe(0);
  expect(r.unsubscribe_non2xx).toBe(0);
  // The table precedes the JSON line.
  expect(stdout).toContain('end to end / limit');
}, 180_000);
