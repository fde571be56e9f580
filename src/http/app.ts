/**
 * The Express application: security headers, body limits, request logging and metrics, then the
 * routers the composition root hands in, then the single error translator.
 */
import express, { type Express, type Router } from 'express';
import helmet from 'helmet';
import path from 'node:path';
import type { TrustProxy } from '../config/trust-proxy';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import { errorHandler, notFoundHandler, type HtmlErrorRenderer } from './error-handler';
import { requestLogging } from './request-log';
import { ROOT } from '../paths';

export interface HttpAppOptions {
  log: Logger;
  metrics: Metrics;
  /** Validated at start (src/config/trust-proxy.ts): never `true`. */
  trustProxy: TrustProxy | undefined;
  /** Whether the public URL is https (cookies then get `Secure`). */
  secure: boolean;
  routers: Router[];
  renderHtmlError?: HtmlErrorRenderer;
}

export function createHttpApp(opts: HttpAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  if (opts.trustProxy !== undefined) app.set('trust proxy', Array.isArray(opts.trustProxy) ? [...opts.trustProxy] : opts.trustProxy);
  // Query strings are parsed flat ("simple"): no nested objects from ?a[b]=c, no prototype games.
  app.set('query parser', 'simple');

  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          frameSrc: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'self'"],
          upgradeInsecureRequests: opts.secure ? [] : null,
        },
      },
      strictTransportSecurity: opts.secure,
    }),
  );

  app.use(requestLogging(app, opts.log));

  app.use((req, res, next) => {
    const end = opts.metrics.httpDuration.startTimer();
    res.on('finish', () => {
      // The matched route pattern, never the raw path (tokens and ids would explode cardinality).
      const route = (req.route?.path as string | undefined) ?? 'unmatched';
      opts.metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      end({ method: req.method, route });
    });
    next();
  });

  app.use('/assets', express.static(path.join(ROOT, 'src/http/assets'), { maxAge: '1h', index: false }));
  for (const router of opts.routers) app.use(router);
  app.use(notFoundHandler);
  app.use(errorHandler(opts.renderHtmlError));
  return app;
}
