/**
 * A start that cannot work ends with one line on stderr saying what to change — no stack trace —
 * and a non-zero exit code (2 for configuration, 1 for the rest). Every case starts a real entry
 * point (src/main.ts, once src/cli/index.ts) against real servers: the shared PostgreSQL and Redis, a private PostgreSQL
 * that checks passwords, a private Redis with a password, ports held by another listener, and, for
 * the embedded database, a network namespace of its own where no PostgreSQL answers.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { withClient } from '../src/db/pool';
import { createTestDatabase, type TestDatabase } from './helpers/db';
import { PG_ADMIN_URL, REDIS_URL } from './helpers/env';
import { PasswordPostgres } from './helpers/password-postgres';
import { ROOT, runEntry, type Run } from './helpers/process';
import { freePort, PrivateRedis } from './helpers/redis-server';

// Each case boots a Node process; on a loaded two-core machine one boot has taken 10 s.
jest.setTimeout(60_000);

let db: TestDatabase;
let pg: PasswordPostgres;
let redis: PrivateRedis;
const REDIS_PASSWORD = 'redis-' + randomBytes(6).toString('hex');
const PG_PASSWORD = 'right-' + randomBytes(6).toString('hex');

beforeAll(async () => {
  [db, pg, redis] = await Promise.all([createTestDatabase(), PasswordPostgres.create('tidings', PG_PASSWORD), PrivateRedis.create()]);
  const r = new Redis(redis.url);
  await r.config('SET', 'requirepass', REDIS_PASSWORD);
  r.disconnect();
}, 120_000);

afterAll(async () => {
  await Promise.all([db?.drop(), pg?.stop(), redis?.stop()]);
});

/** `npm start` with exactly this environment (USER set unless the case is about it). */
const start = (env: Record<string, string>) =>
  runEntry('src/main.ts', [], {
    USER: 'tidings-test',
    PORT: '0',
    DATABASE_URL: db.url,
    REDIS_URL,
    QUEUE_PREFIX: `tt_start_${randomBytes(4).toString('hex')}`,
    LOG_LEVEL: 'warn',
    ...env,
  });

/** The process failed with `code` and said exactly one line on stderr, matching `line`. */
function expectOneLine(run: Run, code: number, line: RegExp): void {
  const stderr = run.stderr.trim();
  expect({ code: run.code, stderr }).toEqual({ code, stderr: expect.stringMatching(line) });
  expect(stderr.split('\n')).toHaveLength(1);
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

/** A listener holding a port, as another program would. */
async function holdPort(): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, close: () => new Promise((r) => server.close(() => r())) };
}

const withoutUser = (url: string) => {
  const u = new URL(url);
  u.username = '';
  return u.toString();
};

describe('configuration', () => {
  it('DATABASE_URL without a user name while $USER is empty: exit 2 naming DATABASE_URL and $USER', async () => {
    expectOneLine(await start({ USER: '', DATABASE_URL: withoutUser(db.url) }), 2, /^Invalid configuration: DATABASE_URL: has no user name and \$USER is empty: write the user into the URL/);
  });

  it('several bad keys: exit 2, all named on one line', async () => {
    expectOneLine(await start({ PORT: 'abc', ROLE: 'boss' }), 2, /^Invalid configuration: PORT: .*; ROLE: /);
  });
});

describe('PostgreSQL', () => {
  it('a password the server refuses: names the user and DATABASE_URL, never the password', async () => {
    const run = await start({ DATABASE_URL: pg.url('tidings', 'wrong-password') });
    expectOneLine(run, 1, new RegExp(`^PostgreSQL at 127\\.0\\.0\\.1:${pg.port} refused the password for user "tidings": correct the password in DATABASE_URL\\.$`));
    expect(run.stderr + run.stdout).not.toContain('wrong-password');
  });

  it('no password where the server asks for one', async () => {
    expectOneLine(await start({ DATABASE_URL: pg.url('tidings', undefined) }), 1, /asks user "tidings" for a password and there is none: write it into DATABASE_URL \(postgres:\/\/tidings:PASSWORD@127\.0\.0\.1:\d+\/tidings\)/);
  });

  it('no user in the URL and $USER names no role: the server says which role', async () => {
    expectOneLine(
      await start({ USER: 'no_such_role_here', DATABASE_URL: withoutUser(db.url) }),
      1,
      /^PostgreSQL at 127\.0\.0\.1:5432 refused the user taken from \$PGUSER or \$USER \(role "no_such_role_here" does not exist\): write a user it accepts into DATABASE_URL\.$/,
    );
  });

  it('a user that may not create the missing database, or not connect to the one that exists', async () => {
    const role = `tidings_nocreate_${randomBytes(4).toString('hex')}`;
    const closed = await createTestDatabase();
    await withClient(PG_ADMIN_URL, async (c) => {
      await c.query(`CREATE ROLE ${role} LOGIN NOCREATEDB`);
      await c.query(`REVOKE CONNECT ON DATABASE ${closed.name} FROM PUBLIC`);
    });
    try {
      const u = new URL(PG_ADMIN_URL);
      u.username = role;
      u.pathname = `/tidings_absent_${randomBytes(4).toString('hex')}`;
      expectOneLine(await start({ DATABASE_URL: u.toString() }), 1, new RegExp(`^PostgreSQL at 127\\.0\\.0\\.1:5432 does not let user "${role}" create the database "tidings_absent_\\w+": create it \\(createdb -O ${role} `));
      u.pathname = `/${closed.name}`;
      expectOneLine(await start({ DATABASE_URL: u.toString() }), 1, new RegExp(`^PostgreSQL at 127\\.0\\.0\\.1:5432 refused the connection \\(42501: permission denied for database "${closed.name}"\\): check DATABASE_URL\\.$`));
    } finally {
      await closed.drop();
      await withClient(PG_ADMIN_URL, (c) => c.query(`DROP ROLE ${role}`));
    }
  });

  it('nothing listening at the address in DATABASE_URL', async () => {
    const port = await freePort();
    expectOneLine(await start({ DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/tidings` }), 1, new RegExp(`^No PostgreSQL answers at 127\\.0\\.0\\.1:${port} \\(connection refused\\): start it, or correct the host and port in DATABASE_URL\\.$`));
  });

  it('a migration edited after it was applied', async () => {
    const edited = await createTestDatabase();
    try {
      await withClient(edited.url, (c) => c.query("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1"));
      expectOneLine(await start({ DATABASE_URL: edited.url }), 1, /^Migration 001_foundation\.sql was edited after it was applied to this database: restore it and put the change in a new migration\.$/);
    } finally {
      await edited.drop();
    }
  });
});

describe('Redis', () => {
  it('a REDIS_URL that does not answer', async () => {
    // 127.0.0.2 is this machine but not an address Tidings would start a redis-server for.
    const port = await freePort();
    expectOneLine(await start({ REDIS_URL: `redis://127.0.0.2:${port}` }), 1, new RegExp(`^No Redis answers at 127\\.0\\.0\\.2:${port} \\(connection refused\\): start one .* or point REDIS_URL at a running server\\.$`));
    expectOneLine(await start({ REDIS_URL: 'redis://redis.invalid:6379' }), 1, /^No Redis answers at redis\.invalid:6379 \(host name not found\)/);
  }, 120_000);

  it('a Redis that wants a password: none given, or a wrong one', async () => {
    const at = `127\\.0\\.0\\.1:${redis.port}`;
    expectOneLine(await start({ REDIS_URL: redis.url }), 1, new RegExp(`^Redis at ${at} asks for a password and REDIS_URL has none: write it into REDIS_URL`));
    const wrong = await start({ REDIS_URL: `redis://:not-it@127.0.0.1:${redis.port}` });
    expectOneLine(wrong, 1, new RegExp(`^Redis at ${at} refused the user name or password in REDIS_URL: correct them\\.$`));
    expect(wrong.stderr + wrong.stdout).not.toContain('not-it');
  }, 120_000);
});

describe('the CLI', () => {
  it('boots through the same checks and reports the same way', async () => {
    const port = await freePort();
    const run = await runEntry('src/cli/index.ts', ['keys', 'list'], { USER: 'tidings-test', DATABASE_URL: db.url, REDIS_URL: `redis://127.0.0.2:${port}` });
    expectOneLine(run, 1, new RegExp(`^No Redis answers at 127\\.0\\.0\\.2:${port} \\(connection refused\\)`));
    expect(run.stdout).toBe('');
  });
});

describe('ports', () => {
  it('PORT in use, and the local mailbox port in use', async () => {
    const held = await holdPort();
    try {
      expectOneLine(await start({ PORT: String(held.port) }), 1, new RegExp(`^Port ${held.port} \\(PORT\\) is already in use: stop the program using it or set PORT to a free port\\.$`));
      expectOneLine(await start({ MAILBOX_SMTP_PORT: String(held.port) }), 1, new RegExp(`^Port ${held.port} \\(MAILBOX_SMTP_PORT\\) is already in use`));
    } finally {
      await held.close();
    }
  }, 120_000);
});

describe('embedded PostgreSQL (no server answers on localhost:5432)', () => {
  it('EMBEDDED_PG_PORT in use, a DATA_DIR that cannot hold a database, one the postgres user cannot enter', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tidings-start-'));
    chmodSync(dir, 0o755);
    writeFileSync(path.join(dir, 'a-file'), '');
    // A namespace with only its own loopback: nothing answers on 5432, so the embedded path runs.
    const script = `
      ip link set lo up
      node -e "require('net').createServer().listen(54329, '127.0.0.1')" & holder=$!
      for i in $(seq 1 50); do (exec 3<>/dev/tcp/127.0.0.1/54329) 2>/dev/null && break; sleep 0.1; done
      DATA_DIR="$DIR/data" EMBEDDED_PG_PORT=54329 node --require tsx/cjs src/main.ts >/dev/null 2>"$DIR/port.err"; echo $? > "$DIR/port.code"
      kill $holder
      DATA_DIR="$DIR/a-file/data" node --require tsx/cjs src/main.ts >/dev/null 2>"$DIR/dir.err"; echo $? > "$DIR/dir.code"
      mkdir -m 700 "$DIR/private"
      DATA_DIR="$DIR/private/data" node --require tsx/cjs src/main.ts >/dev/null 2>"$DIR/private.err"; echo $? > "$DIR/private.code"`;
    try {
      const r = spawnSync('unshare', ['-n', 'bash', '-c', script], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 110_000,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', USER: 'tidings-test', DIR: dir, PORT: '0', LOG_LEVEL: 'warn' },
      });
      expect(r.status).toBe(0);
      const result = (name: string): Run => ({
        code: Number(readFileSync(path.join(dir, `${name}.code`), 'utf8')),
        stderr: readFileSync(path.join(dir, `${name}.err`), 'utf8'),
        stdout: '',
      });
      expectOneLine(result('port'), 1, /^Port 54329 \(EMBEDDED_PG_PORT\) is already in use: stop the program using it or set EMBEDDED_PG_PORT to a free port\.$/);
      expectOneLine(result('dir'), 1, /^DATA_DIR \/.+\/a-file\/data cannot hold the embedded PostgreSQL \(ENOTDIR\): set DATA_DIR to a writable directory, or set DATABASE_URL\.$/);
      // As root the server runs as the postgres user, who cannot enter a private folder.
      expectOneLine(result('private'), 1, new RegExp(`^Running as root, the embedded PostgreSQL runs as the user postgres, who cannot enter ${dir}/private: allow it \\(chmod o\\+x `));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
