/**
 * The signup form on publishers' own sites (ALLOWED_ORIGINS): CORS for POST /api/subscriptions from
 * those origins only (any other origin gets no CORS headers, so a browser refuses its JSON request),
 * and the `return_to` address the "check your inbox" page links back to, accepted only on those
 * origins (an open redirect would otherwise lend our name to any phishing page).
 */
import type { RequestHandler } from 'express';

export function corsFor(allowed: readonly string[], methods: string): RequestHandler {
  return (req, res, next) => {
    const origin = req.get('origin');
    if (origin && allowed.includes(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.append('Vary', 'Origin');
      if (req.method === 'OPTIONS') {
        res.setHeader('Access-Control-Allow-Methods', methods);
        res.setHeader('Access-Control-Allow-Headers', 'Content-Type');
        res.setHeader('Access-Control-Max-Age', '600');
      }
    }
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next();
  };
}

/** The return_to URL when it is an http(s) URL on an allowed origin; otherwise undefined. */
export function safeReturnTo(raw: unknown, allowed: readonly string[]): string | undefined {
  if (typeof raw !== 'string' || raw.length > 2000) return undefined;
  try {
    const u = new URL(raw);
    return (u.protocol === 'https:' || u.protocol === 'http:') && allowed.includes(u.origin) ? u.href : undefined;
  } catch {
    return undefined;
  }
}
