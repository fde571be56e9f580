/**
 * Request logging: one JSON line per finished request (`request completed`, or `request aborted`
 * when the client went away first), at error level for a 5xx and info otherwise, with the URL's
 * secrets redacted. `req.log` is a child logger carrying the request id, created only when a
 * handler actually logs.
 *
 * This replaces pino-http, which built two child loggers per request (one of them serialising the
 * request) and its messages whether or not the line was written: measured in the bench's API phase,
 * that was about 20% of the API's throughput (docs/performance.md). What we used of it is the above.
 */
import type { Express, RequestHandler } from 'express';
import type { Logger } from '../logger';
import { redactUrl } from '../logger';

declare module 'http' {
  interface IncomingMessage {
    /** Sequence number of the request in this process, also on every line `req.log` writes. */
    id: number;
    log: Logger;
  }
}

const QUIET = new Set(['/healthz', '/metrics']);

export function requestLogging(app: Express, log: Logger): RequestHandler {
  // A getter on this app's request prototype: no per-request work until a handler logs.
  Object.defineProperty(app.request, 'log', {
    configurable: true,
    get(this: { id: number; _log?: Logger }) {
      return (this._log ??= log.child({ reqId: this.id }));
    },
  });
  let seq = 0;
  return (req, res, next) => {
    req.id = ++seq;
    const start = performance.now();
    const done = () => {
      res.off('finish', done);
      res.off('close', done);
      const level = res.statusCode >= 500 ? 'error' : 'info';
      if (QUIET.has(req.originalUrl.split('?', 1)[0]!) || !log.isLevelEnabled(level)) return;
      req.log[level](
        {
          req: { id: req.id, method: req.method, url: redactUrl(req.originalUrl) },
          res: { statusCode: res.statusCode },
          responseTime: Math.round(performance.now() - start),
        },
        res.writableFinished ? 'request completed' : 'request aborted',
      );
    };
    res.on('finish', done);
    res.on('close', done);
    next();
  };
}
