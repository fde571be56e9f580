/**
 * Operations endpoints: liveness, readiness (Postgres and Redis), Prometheus metrics. With
 * METRICS_TOKEN set, /metrics needs `Authorization: Bearer <token>`: its labels show routes, send
 * volumes and failure counts, which are nobody else's business on a public host.
 */
import { Router, type RequestHandler } from 'express';
import type { RedisClient } from '../queue';
import type { Pool } from '../db/pool';
import { tokensMatch } from '../editors/sessions';
import { UnauthorizedError } from '../errors';
import type { Metrics } from '../metrics';

async function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export async function checkReadiness(pool: Pool, redis: RedisClient): Promise<Record<string, { ok: boolean; error?: string }>> {
  const check = async (fn: () => Promise<unknown>) => {
    try {
      await within(1500, fn());
      return { ok: true };
    } catch (err) {
      return { ok: false, error: (err as Error).message };
    }
  };
  const [postgres, redisState] = await Promise.all([
    check(() => pool.query('SELECT 1')),
    // ioredis queues commands while disconnected; a ready-state check answers at once instead.
    check(async () => {
      if (redis.status !== 'ready') throw new Error(`connection ${redis.status}`);
      await redis.ping();
    }),
  ]);
  return { postgres, redis: redisState };
}

/** Constant-time check of the scraper's bearer token; no token configured lets every scrape in. */
function metricsAuth(token: string | undefined): RequestHandler {
  return (req, res, next) => {
    if (token === undefined) return next();
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
    if (match && tokensMatch(token, match[1])) return next();
    res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
    next(new UnauthorizedError('/metrics needs Authorization: Bearer <METRICS_TOKEN>.'));
  };
}

export function opsRouter(deps: { pool: Pool; redis: RedisClient; metrics: Metrics; config: { metricsToken: string | undefined } }): Router {
  const r = Router();
  r.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  r.get('/readyz', async (_req, res) => {
    const checks = await checkReadiness(deps.pool, deps.redis);
    const down = Object.entries(checks).filter(([, c]) => !c.ok).map(([name]) => name);
    res.status(down.length ? 503 : 200).json({ status: down.length ? 'unavailable' : 'ok', down, checks });
  });
  r.get('/metrics', metricsAuth(deps.config.metricsToken), async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  return r;
}
