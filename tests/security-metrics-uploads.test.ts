/**
 * Issue 11, items 12 and 13.
 *  - With METRICS_TOKEN set, /metrics needs `Authorization: Bearer <token>` (the health checks stay open).
 *  - Console uploads have a total size cap: a body that declares more is answered 413 before it
 *    has even finished arriving (so before any of it is parsed); a body without a length is counted
 *    as it arrives and refused once it passes the cap, however its fields are cut.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { ConfigError, loadConfig } from '../src/config';
import { IMPORT_LIMIT_BYTES } from '../src/issues/importers';
import { startTestApp, type TestApp } from './helpers/app';
import { signIn } from './helpers/console';

const TOKEN = 'metrics-token-' + 'x'.repeat(24);
let t: TestApp;
let cookie: string;

beforeAll(async () => {
  t = await startTestApp({ env: { METRICS_TOKEN: TOKEN } });
  cookie = (await signIn(t)).cookie!;
}, 30_000);
afterAll(() => t?.close());

describe('/metrics with METRICS_TOKEN', () => {
  test('needs the bearer token; health checks do not', async () => {
    const none = await t.fetch('/metrics');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await none.json()).error.code).toBe('unauthorized');
    expect((await t.fetch('/metrics', { headers: { authorization: `Bearer ${TOKEN}x` } })).status).toBe(401);
    expect((await t.fetch('/metrics', { headers: { authorization: `Bearer ${TOKEN.slice(0, -1)}` } })).status).toBe(401);
    expect((await t.fetch('/metrics', { headers: { authorization: `Basic ${TOKEN}` } })).status).toBe(401);

    const ok = await t.fetch('/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('tidings_http_requests_total');
    expect((await t.fetch('/healthz')).status).toBe(200);
    expect((await t.fetch('/readyz')).status).toBe(200);
  });

  test('a short token is refused at start', () => {
    let err: unknown;
    try {
      loadConfig({ METRICS_TOKEN: 'short' });
    } catch (e) {
      err = e;
    }
    expect((err as ConfigError).problems.map((p) => p.key)).toEqual(['METRICS_TOKEN']);
    expect(loadConfig({}).metricsToken).toBeUndefined();
  });
});

describe('console upload size cap', () => {
  const BOUNDARY = '----tidings-test-boundary';
  const part = (name: string, value: string) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;

  async function csrf(): Promise<string> {
    const res = await t.fetch('/admin/issues/import', { headers: { cookie } });
    return /name="_csrf" value="([^"]+)"/.exec(await res.text())![1]!;
  }

  /**
   * Sends the head of a body that claims `declared` bytes and waits for the answer without sending
   * the rest: only a server that refuses on the declared length can answer.
   */
  function declareAndWait(pathname: string, declared: number): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const req = http.request(`${t.url}${pathname}`, {
        method: 'POST',
        agent: false,
        headers: { cookie, 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, 'content-length': String(declared) },
      });
      const timer = setTimeout(() => {
        req.destroy();
        reject(new Error('no answer before the body was complete'));
      }, 5000);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          settled = true;
          clearTimeout(timer);
          req.destroy();
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
        });
      });
      // Destroying the unfinished request afterwards makes it fail; only an earlier error counts.
      req.on('error', (err) => (settled ? undefined : reject(err)));
      req.write(part('format', 'markdown') + `--${BOUNDARY}\r\nContent-Disposition: form-data; name="source"\r\n\r\n` + '# a'.repeat(1000));
    });
  }

  test('a declared length over the cap is answered 413 before the body has arrived', async () => {
    const issues = await declareAndWait('/admin/issues/import', 30 * 1024 * 1024);
    expect(issues.status).toBe(413);
    expect(issues.body).toContain('Too large');
    const readers = await declareAndWait('/admin/subscribers/import', 200 * 1024 * 1024);
    expect(readers.status).toBe(413);
  });

  test('a body without a length is counted as it arrives: many fields under the per-field limit still pass the cap', async () => {
    const token = await csrf();
    // Each field is under the per-field limit (the file limit); together they are four times the cap.
    const field = 'a'.repeat(IMPORT_LIMIT_BYTES - 1024);
    const body = part('_csrf', token) + part('format', 'markdown') + part('source', '# Title\n') + [1, 2, 3, 4].map((i) => part(`pad${i}`, field)).join('') + `--${BOUNDARY}--\r\n`;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        const bytes = new TextEncoder().encode(body);
        for (let i = 0; i < bytes.length; i += 64 * 1024) controller.enqueue(bytes.subarray(i, i + 64 * 1024));
        controller.close();
      },
    });
    const res = await t.fetch('/admin/issues/import', {
      method: 'POST',
      headers: { cookie, 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect((await t.c.pool.query('SELECT 1 FROM issues')).rowCount).toBe(0);
  });

  test('an upload within the cap still imports', async () => {
    const token = await csrf();
    const form = new FormData();
    form.set('_csrf', token);
    form.set('format', 'markdown');
    const sample = readFileSync(path.resolve(__dirname, '../emails/issues/2024-05-06-china-tmt.md'), 'utf8');
    form.set('file', new Blob([sample], { type: 'text/markdown' }), 'issue.md');
    const res = await t.fetch('/admin/issues/import', { method: 'POST', headers: { cookie }, body: form });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/admin\/issues\/\d+\/edit\?imported=1$/);
  });
});
