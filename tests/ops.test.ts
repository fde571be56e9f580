import { startTestApp, type TestApp } from './helpers/app';
import { PrivateRedis } from './helpers/redis-server';

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 15000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('operations endpoints', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('/healthz and /readyz answer 200', async () => {
    expect((await t.fetch('/healthz')).status).toBe(200);
    const res = await t.fetch('/readyz');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', down: [] });
  });

  it('/metrics speaks Prometheus', async () => {
    await t.fetch('/healthz');
    const res = await t.fetch('/metrics');
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    expect(await res.text()).toContain('tidings_http_requests_total');
  });

  it('unknown routes get the error body, with security headers', async () => {
    const res = await t.fetch('/no/such/route');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('x-powered-by')).toBeNull();
  });
});

describe('/readyz with Redis down', () => {
  it('answers 503 naming redis, stays up, and recovers when Redis returns', async () => {
    const redis = await PrivateRedis.create();
    const t = await startTestApp({ env: { REDIS_URL: redis.url } });
    try {
      expect((await t.fetch('/readyz')).status).toBe(200);
      await redis.stop();
      const down = await until(() => t.fetch('/readyz'), (r) => r.status === 503);
      expect(down.status).toBe(503);
      const body = await down.json();
      expect(body.down).toEqual(['redis']);
      expect(body.checks.postgres.ok).toBe(true);
      expect((await t.fetch('/healthz')).status).toBe(200);
      await redis.start();
      const up = await until(() => t.fetch('/readyz'), (r) => r.status === 200);
      expect(up.status).toBe(200);
    } finally {
      await t.close();
      await redis.stop();
    }
  });
});
