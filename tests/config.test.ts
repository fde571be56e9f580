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
