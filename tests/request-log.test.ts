/**
 * Request logs (src/http/request-log.ts): one line per request with id, method, redacted URL,
 * status and time; reader tokens never reach the log; 5xx at error level; health checks quiet;
 * `req.log` lines carry the request id.
 */
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { Router } from 'express';
import pino from 'pino';
import { createHttpApp } from '../src/http/app';
import { Metrics } from '../src/metrics';

interface Line {
  level: number;
  msg: string;
  reqId?: number;
  req?: { id: number; method: string; url: string };
  res?: { statusCode: number };
  responseTime?: number;
}

async function withApp(level: string, fn: (base: string, lines: Line[]) => Promise<void>): Promise<void> {
  const lines: Line[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Line);
      cb();
    },
  });
  const log = pino({ level }, sink);
  const r = Router();
  r.get('/healthz', (_req, res) => void res.json({ ok: true }));
  r.get('/unsubscribe/:token', (req, res) => {
    req.log.info({ step: 'handler' }, 'handler ran');
    res.send('ok');
  });
  r.get('/boom', () => {
    throw new Error('kaput');
  });
  const app = createHttpApp({ log, metrics: new Metrics(false), trustProxy: undefined, secure: false, routers: [r] });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, lines);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

const settle = () => new Promise((r) => setTimeout(r, 50));

test('one line per request, tokens redacted, handler lines carry the request id', async () => {
  await withApp('info', async (base, lines) => {
    const secret = 'SECRETTOKENabc123';
    expect((await fetch(`${base}/unsubscribe/${secret}?token=${secret}&x=1`)).status).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/boom`)).status).toBe(500);
    await settle();
    expect(JSON.stringify(lines)).not.toContain(secret);

    const handler = lines.find((l) => l.msg === 'handler ran')!;
    const done = lines.filter((l) => l.msg === 'request completed');
    expect(done.map((l) => [l.req!.method, l.req!.url, l.res!.statusCode, l.level])).toEqual([
      ['GET', '/unsubscribe/[redacted]?token=[redacted]&x=1', 200, 30],
      ['GET', '/boom', 500, 50],
    ]);
    expect(handler.reqId).toBe(done[0]!.req!.id);
    expect(done[0]!.reqId).toBe(done[0]!.req!.id);
    expect(done[1]!.req!.id).toBeGreaterThan(done[0]!.req!.id);
    expect(typeof done[0]!.responseTime).toBe('number');
    // The unhandled error itself is logged by the error handler, with the request id.
    const unhandled = lines.find((l) => l.msg === 'unhandled error')!;
    expect(unhandled.reqId).toBe(done[1]!.req!.id);
  });
});

test('at warn level only 5xx requests are logged', async () => {
  await withApp('warn', async (base, lines) => {
    await fetch(`${base}/unsubscribe/abc`);
    await fetch(`${base}/boom`);
    await settle();
    expect(lines.filter((l) => l.msg === 'request completed').map((l) => l.res!.statusCode)).toEqual([500]);
  });
});
