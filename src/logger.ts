import pino, { type Logger } from 'pino';

export type { Logger };

/** Path segments that carry a secret (reader tokens); they never reach the logs. */
const SECRET_PATH = /\/(confirm|preferences|unsubscribe|p|u)\/[^/?#]+/g;

export function redactUrl(url: string): string {
  return url.replace(SECRET_PATH, '/$1/[redacted]').replace(/([?&](?:token|key)=)[^&#]*/gi, '$1[redacted]');
}

export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { service: 'tidings', ...base },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'res.headers["set-cookie"]',
        '*.password',
        '*.secretKey',
        '*.secretKeys',
        '*.secretKeyPrevious',
        '*.privateKey',
        '*.apiKey',
      ],
      censor: '[redacted]',
    },
  });
}
