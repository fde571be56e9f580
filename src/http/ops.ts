/**
 * Operations endpoints: liveness, readiness (Postgres and Redis), Prometheus metrics. With
 * METRICS_TOKEN set, /metrics needs `Authorization: Bearer <token>`: its labels show routes, send
 * volumes and failure counts, which are nobody else's business on a public host.
 *
 * Written without Express: API processes mount them on their Express app (ops-router.ts), and
 * worker processes, which serve nothing else, answer them from a bare node:http listener
 * (ops-server.ts) and so never load Express and helmet (≈ 7 MB of a worker's resident memory).
 */
import type { RedisClient } from '../queue';
import type { Pool } from '../db/pool';
import { tokensMatch } from '../editors/sessions';
import { UnauthorizedError } from '../errors';
import type { Metrics } from '../metrics';

export interface OpsDeps {
  pool: Pool;
  redis: RedisClient;
  metrics: Metrics;
  config: { metricsToken: string | undefined };
}

/** An endpoint's answer, for whichever server sends it. */
export interface OpsAnswer {
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
}

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

export const jsonAnswer = (status: number, body: unknown, headers?: Record<string, string>): OpsAnswer => ({
  status,
  contentType: 'application/json; charset=utf-8',
  body: JSON.stringify(body),
  headers,
});

/** Constant-time check of the scraper's bearer token; no token configured lets every scrape in. */
function scrapeAllowed(token: string | undefined, authorization: string | undefined): boolean {
  if (token === undefined) return true;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match !== null && tokensMatch(token, match[1]!);
}

export type OpsEndpoint = (authorization: string | undefined) => Promise<OpsAnswer>;

/** The endpoints by path (GET). */
export function opsEndpoints(deps: OpsDeps): ReadonlyMap<string, OpsEndpoint> {
  return new Map<string, OpsEndpoint>([
    ['/healthz', async () => jsonAnswer(200, { status: 'ok' })],
    [
      '/readyz',
      async () => {
        const checks = await checkReadiness(deps.pool, deps.redis);
        const down = Object.entries(checks).filter(([, c]) => !c.ok).map(([name]) => name);
        return jsonAnswer(down.length ? 503 : 200, { status: down.length ? 'unavailable' : 'ok', down, checks });
      },
    ],
    [
      '/metrics',
      async (authorization) => {
        if (!scrapeAllowed(deps.config.metricsToken, authorization)) {
          const err = new UnauthorizedError('/metrics needs Authorization: Bearer <METRICS_TOKEN>.');
          return jsonAnswer(err.status, err.toJSON(), { 'WWW-Authenticate': 'Bearer realm="metrics"' });
        }
        return { status: 200, contentType: deps.metrics.registry.contentType, body: await deps.metrics.registry.metrics() };
      },
    ],
  ]);
}
