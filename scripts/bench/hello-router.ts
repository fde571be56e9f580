/**
 * GET /__bench/hello: the benchmark's baseline route. It goes through the same Express app and
 * middleware as every real route (security headers, request logging, metrics, error handler), so
 * "subscribe req/s ÷ hello req/s" measures what our own handler costs. Mounted only when the bench
 * starts the API with BENCH_HELLO=1 (src/app.ts routers()); never on in a normal install.
 */
import { Router } from 'express';

export function benchHelloRouter(): Router {
  const r = Router();
  r.get('/__bench/hello', (_req, res) => {
    res.json({ hello: 'world' });
  });
  return r;
}
