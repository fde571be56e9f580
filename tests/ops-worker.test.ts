/**
 * A worker process's HTTP server (src/http/ops-server.ts): the operations endpoints on a bare
 * node:http listener, answering as the API's Express app does — the same bodies, the bearer token
 * on /metrics, the error body for anything else, `nosniff`, request metrics — and a spawned worker
 * never loads Express or helmet (nor MJML).
 */
import { startTestApp, type TestApp } from './helpers/app';
import { spawnWorker, waitUntil } from './helpers/delivery';

const TOKEN = 'metrics-token-' + 'w'.repeat(24);
let api: TestApp;
let worker: TestApp;

beforeAll(async () => {
  api = await startTestApp({ env: { ROLE: 'api', METRICS_TOKEN: TOKEN } });
  worker = await startTestApp({ env: { ROLE: 'worker', METRICS_TOKEN: TOKEN }, db: api.db, sink: api.sink, queuePrefix: api.queuePrefix });
}, 60_000);
afterAll(async () => {
  await worker?.close();
  await api?.close();
});

test('/healthz and /readyz answer as the API does, without caching', async () => {
  for (const path of ['/healthz', '/readyz']) {
    const [w, a] = await Promise.all([worker.fetch(path), api.fetch(path)]);
    expect(w.status).toBe(200);
    expect(w.headers.get('content-type')).toBe(a.headers.get('content-type'));
    expect(w.headers.get('x-content-type-options')).toBe('nosniff');
    expect(w.headers.get('cache-control')).toBe('no-store');
    expect(await w.json()).toEqual(await a.json());
  }
  const head = await worker.fetch('/healthz', { method: 'HEAD' });
  expect(head.status).toBe(200);
  expect(await head.text()).toBe('');
});

test('/metrics needs the bearer token, then speaks Prometheus and counts the probes by route', async () => {
  const none = await worker.fetch('/metrics');
  expect(none.status).toBe(401);
  expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
  expect(await none.json()).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
  expect((await worker.fetch('/metrics', { headers: { authorization: `Bearer ${TOKEN}x` } })).status).toBe(401);
  await worker.fetch('/no/such/route');
  const ok = await worker.fetch('/metrics?x=1', { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(ok.status).toBe(200);
  expect(ok.headers.get('content-type')).toMatch(/^text\/plain/);
  const text = await ok.text();
  expect(text).toMatch(/tidings_http_requests_total\{method="GET",route="\/healthz",status="200"\} [1-9]/);
  expect(text).toMatch(/tidings_http_requests_total\{method="GET",route="unmatched",status="404"\} 1/);
  expect(text).toMatch(/tidings_http_requests_total\{method="GET",route="\/metrics",status="401"\} 2/);
});

test('anything else gets the error body: 404 for an unknown path (long segments elided), 405 for a write', async () => {
  const token = 'a'.repeat(60);
  const missing = await worker.fetch(`/unsubscribe/${token}`);
  expect(missing.status).toBe(404);
  const body = await missing.json();
  expect(body).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
  expect(body.error.message).not.toContain(token);
  const post = await worker.fetch('/healthz', { method: 'POST' });
  expect(post.status).toBe(405);
  expect(post.headers.get('allow')).toBe('GET, HEAD');
  expect((await post.json()).error.code).toBe('method_not_allowed');
});

test('a worker process never loads Express, helmet or MJML', async () => {
  const w = spawnWorker(worker, { REPORT_PACKAGES: 'express,helmet,mjml,bullmq' }, ['--require', require.resolve('./helpers/loaded-packages.cjs')]);
  try {
    await w.ready;
    // A report written after the worker said it was running.
    const from = w.output.length;
    const line = await waitUntil(async () => w.output.slice(from).join('').match(/LOADED_PACKAGES (\{.*\})/)?.[1], 15_000, 'the report', 100);
    // bullmq: the report itself works (a worker does load it).
    expect(JSON.parse(line)).toEqual({ express: false, helmet: false, mjml: false, bullmq: true });
  } finally {
    w.child.kill('SIGTERM');
    await w.exited;
  }
}, 60_000);
