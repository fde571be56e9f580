/**
 * `npm start` on a machine with no PostgreSQL and no Redis answering: run the real entry point in a
 * fresh network namespace (`unshare -n`: only its own loopback, where nothing listens), so it must
 * embed PostgreSQL under DATA_DIR and start a local redis-server, then answer /readyz with 200.
 */
import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '..');

describe('npm start with no database or Redis server answering', () => {
  it('embeds PostgreSQL, starts Redis, serves /healthz and /readyz, and shuts down cleanly', () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tidings-embedded-'));
    // As root, initdb runs as the postgres user, which must be able to enter DATA_DIR.
    chmodSync(dataDir, 0o755);
    const probe = `fetch('http://127.0.0.1:3917/readyz').then(r=>r.text()).then(t=>{console.log('READY '+t);process.exit(0)},()=>process.exit(1))`;
    const script = `
      ip link set lo up
      node --require tsx/cjs src/main.ts > "$DATA_DIR/out.log" 2>&1 & pid=$!
      for i in $(seq 1 100); do sleep 0.3; kill -0 $pid 2>/dev/null || break; node -e "$PROBE" && break; done
      node -e "fetch('http://127.0.0.1:3917/healthz').then(r=>console.log('HEALTH '+r.status))"
      kill -TERM $pid; wait $pid; echo "EXIT $?"
      cat "$DATA_DIR/out.log"`;
    try {
      const r = spawnSync('unshare', ['-n', 'bash', '-c', script], {
        cwd: root,
        encoding: 'utf8',
        timeout: 60000,
        env: {
          ...process.env, DATA_DIR: dataDir, PORT: '3917', PROBE: probe, DATABASE_URL: '', REDIS_URL: '', SMTP_URL: '',
          // The namespace has its own ports but shares /tmp, where PostgreSQL keeps its socket's lock
          // file (.s.PGSQL.<port>.lock): another run on the machine with the default port would collide.
          EMBEDDED_PG_PORT: String(20000 + randomInt(30000)),
        },
      });
      expect(r.stdout).toMatch(/READY \{"status":"ok"/);
      expect(r.stdout).toContain('HEALTH 200');
      expect(r.stdout).toContain('EXIT 0');
      expect(r.stdout).toContain('"database":"embedded"');
      expect(r.stdout).toContain('starting a local redis-server');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90000);
});
