/**
 * A worker process's HTTP server: the operations endpoints (ops.ts) and nothing else, on a bare
 * node:http listener, so a worker never loads Express and helmet. It answers like the API's app
 * does where it matters to a probe or a scraper: the same bodies, the error body for anything
 * else, `nosniff` and no caching, and the same request metrics.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { INTERNAL_ERROR_BODY, MethodNotAllowedError, noRouteError } from '../errors';
import type { Logger } from '../logger';
import { jsonAnswer, opsEndpoints, type OpsAnswer, type OpsDeps } from './ops';

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
    if (!endpoint) {
      const err = noRouteError(req.method, path);
      return send(req, res, jsonAnswer(err.status, err.toJSON()));
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const err = new MethodNotAllowedError(`${path} answers GET only.`);
      return send(req, res, jsonAnswer(err.status, err.toJSON(), { Allow: 'GET, HEAD' }));
    }
    endpoint(req.headers.authorization).then(
      (a) => send(req, res, a),
      (err: unknown) => {
        // Not expected (readiness catches its own failures): log it, answer a plain 500.
        log.error({ err, path }, 'operations endpoint failed');
        if (!res.headersSent) send(req, res, jsonAnswer(500, INTERNAL_ERROR_BODY));
      },
    );
  };
}
