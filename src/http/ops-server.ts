/**
 * A worker process's HTTP server: the operations endpoints (ops.ts) and nothing else, on a bare
 * node:http listener, so a worker never loads Express and helmet. It answers like the API's app
 * does where it matters to a probe or a scraper: the same bodies, the error body for anything
 * else, `nosniff` and no caching, and the same request metrics.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { AppError, NotFoundError } from '../errors';
import type { Logger } from '../logger';
import { opsEndpoints, type OpsAnswer, type OpsDeps } from './ops';

class MethodNotAllowedError extends AppError {
  readonly status = 405;
  readonly code = 'method_not_allowed';
}

function send(req: IncomingMessage, res: ServerResponse, a: OpsAnswer): void {
  res.writeHead(a.status, {
    'Content-Type': a.contentType,
    'Content-Length': Buffer.byteLength(a.body),
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
    ...a.headers,
  });
  res.end(req.method === 'HEAD' ? undefined : a.body);
}

function failure(err: AppError, headers?: Record<string, string>): OpsAnswer {
  return { status: err.status, contentType: 'application/json; charset=utf-8', body: JSON.stringify(err.toJSON()), headers };
}

export function opsListener(deps: OpsDeps, log: Logger): RequestListener {
  const endpoints = opsEndpoints(deps);
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const endpoint = endpoints.get(path);
    const route = endpoint ? path : 'unmatched';
    const end = deps.metrics.httpDuration.startTimer();
    res.on('finish', () => {
      deps.metrics.httpRequests.inc({ method: req.method ?? '', route, status: String(res.statusCode) });
      end({ method: req.method ?? '', route });
    });
    if (!endpoint) return send(req, res, failure(new NotFoundError(`No route for ${req.method} ${path.replace(/\/[^/]{40,}/g, '/…')}`)));
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(req, res, failure(new MethodNotAllowedError(`${path} answers GET only.`), { Allow: 'GET, HEAD' }));
    }
    endpoint(req.headers.authorization).then(
      (a) => send(req, res, a),
      (err: unknown) => {
        // Not expected (readiness catches its own failures): log it, answer a plain 500.
        log.error({ err, path }, 'operations endpoint failed');
        if (!res.headersSent) send(req, res, { status: 500, contentType: 'application/json; charset=utf-8', body: JSON.stringify({ error: { code: 'internal', message: 'Internal server error.' } }) });
      },
    );
  };
}
