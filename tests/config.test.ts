import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ConfigError, loadConfig } from '../src/config';

describe('config', () => {
  it('applies the contract defaults and freezes the result', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.publicUrl).toBe('http://localhost:3000');
    expect(c.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(c.databaseUrl).toBeUndefined();
    expect(c.smtpUrl).toBeUndefined();
    expect(c.mailFrom).toBe('Tidings <newsletter@localhost>');
    expect(c.role).toBe('all');
    expect(c.queuePrefix).toBe('tidings');
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('names every bad key at once', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'abc', ROLE: 'boss', REDIS_URL: 'http://x', SECRET_KEY: 'short', QUEUE_PREFIX: 'a b' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const keys = (err as ConfigError).problems.map((p) => p.key).sort();
    expect(keys).toEqual(['PORT', 'QUEUE_PREFIX', 'REDIS_URL', 'ROLE', 'SECRET_KEY']);
    expect((err as Error).message).toContain('PORT');
  });

  it('names a DATABASE_URL that leaves the user to an empty $USER, or names no database, beside the other bad keys', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return [];
      } catch (err) {
        return (err as ConfigError).problems;
      }
    };
    const noUser = 'postgres://127.0.0.1:5432/tidings';
    expect(problems({ DATABASE_URL: noUser, USER: '', PORT: 'abc' })).toEqual([
      { key: 'PORT', message: expect.any(String) },
      { key: 'DATABASE_URL', message: expect.stringMatching(/^has no user name and \$USER is empty/) },
    ]);
    expect(problems({ DATABASE_URL: noUser, USER: 'ann' })).toEqual([]);
    expect(problems({ DATABASE_URL: noUser, PGUSER: 'ann' })).toEqual([]);
    expect(problems({ DATABASE_URL: 'postgres://ann@127.0.0.1:5432', USER: 'ann' })).toEqual([
      { key: 'DATABASE_URL', message: expect.stringMatching(/^names no database/) },
    ]);
    expect(() => loadConfig({ DATABASE_URL: noUser })).toThrow(/^Invalid configuration: DATABASE_URL: has no user name/);
  });

  it('takes DEFAULT_TIMEZONE as an IANA name in canonical spelling and names a bad one', () => {
    expect(loadConfig({}).schedule).toEqual({ graceMinutes: 60, pollMs: 5000, defaultTimezone: 'UTC' });
    expect(loadConfig({ DEFAULT_TIMEZONE: 'europe/brussels' }).schedule.defaultTimezone).toBe('Europe/Brussels');
    expect(() => loadConfig({ DEFAULT_TIMEZONE: 'Mars/Olympus', SCHEDULE_GRACE_MINUTES: '-1' })).toThrow(/DEFAULT_TIMEZONE: must be an IANA time zone.*SCHEDULE_GRACE_MINUTES|SCHEDULE_GRACE_MINUTES.*DEFAULT_TIMEZONE: must be an IANA/);
  });

  it('requires the DKIM keys together', () => {
    expect(() => loadConfig({ DKIM_DOMAIN: 'example.com' })).toThrow(/DKIM_SELECTOR/);
  });

  it('treats an empty value as unset and follows PORT for the default PUBLIC_URL', () => {
    const c = loadConfig({ SMTP_URL: '', PORT: '8080' });
    expect(c.smtpUrl).toBeUndefined();
    expect(c.publicUrl).toBe('http://localhost:8080');
  });

  it('`PORT=abc npm start` exits non-zero naming PORT', () => {
    const root = path.resolve(__dirname, '..');
    const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', 'src/main.ts'], {
      cwd: root,
      env: { ...process.env, PORT: 'abc' },
      encoding: 'utf8',
      timeout: 20000,
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/PORT/);
  });
});
