/**
 * Phase 4, the API under load: autocannon against the API process (rate limits lifted by the
 * bench's environment), one run per route, one after another: the hello-world baseline of the same
 * Express app (GET /healthz: the same middleware, a handler that only answers), POST /api/subscriptions with a new address per request, and one-click
 * POST /unsubscribe/:token with valid tokens of existing readers, and GET /l/:token (counted link
 * redirects, issue 17) with valid tokens over every link and topic set of the sent issue.
 */
import autocannon from 'autocannon';
import { clickRequest } from './phase-clicks';
import { LinkTokens } from '../../src/subscribers/link-tokens';

export interface RouteResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
}

export interface ApiResult {
  hello: RouteResult;
  subscribe: RouteResult;
  unsubscribe: RouteResult;
  /** GET /l/:token: answers are 302, so `non2xx` counts the redirects. */
  clicks: RouteResult;
}

export interface ApiOptions {
  url: string;
  seconds: number;
  connections: number;
  secretKey: string;
  /** Readers with ids 1..subscribers exist; unsubscribe tokens cycle over them. */
  subscribers: number;
  /** GET /l/ follows the links of an issue the phase creates (editor API) and marks sent (SQL). */
  databaseUrl: string;
  editorKey: string;
}

function summarise(r: autocannon.Result): RouteResult {
  return {
    rps: r.requests.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
  };
}

async function run(opts: autocannon.Options): Promise<RouteResult> {
  // Called without autocannon.track(), nothing is printed.
  return summarise(await autocannon(opts));
}

export async function runApi(o: ApiOptions): Promise<ApiResult> {
  const common = { url: o.url, connections: o.connections, duration: o.seconds };
  const hello = await run({ ...common, requests: [{ method: 'GET', path: '/healthz' }] });

  let n = 0;
  const run_id = Date.now().toString(36);
  const subscribe = await run({
    ...common,
    requests: [
      {
        method: 'POST',
        path: '/api/subscriptions',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => ({
          ...req,
          body: JSON.stringify({ email: `api-${run_id}-${n++}@bench.example`, topics: ['ai', 'nev'] }),
        }),
      },
    ],
  });

  const tokens = new LinkTokens([o.secretKey]);
  let next = 0;
  const unsubscribe = await run({
    ...common,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
        setupRequest: (req) => ({ ...req, path: `/unsubscribe/${tokens.sign((next++ % o.subscribers) + 1, 'unsubscribe')}` }),
      },
    ],
  });
  const clicks = await run({ ...common, requests: [await clickRequest(o)] });
  return { hello, subscribe, unsubscribe, clicks };
}
