/**
 * A local HTTP endpoint for outgoing webhooks: records every request (headers, raw body) and
 * answers what the test says per path (a status, or never, to test timeouts).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: { id: string; type: string; created_at: string; data: Record<string, unknown> };
}

/** What a path answers to its n-th request (0-based): a status, or 'hang' (never answer). */
export type Answer = (n: number) => number | 'hang';

export class WebhookReceiver {
  readonly received: Received[] = [];
  private readonly answers = new Map<string, Answer>();
  private readonly counts = new Map<string, number>();
  private readonly hanging = new Set<http.ServerResponse>();
  private server: http.Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (b: Buffer) => (raw += b.toString()));
      req.on('end', () => {
        const path = req.url ?? '/';
        const n = this.counts.get(path) ?? 0;
        this.counts.set(path, n + 1);
        const answer = (this.answers.get(path) ?? (() => 200))(n);
        this.received.push({ path, headers: req.headers, raw, body: JSON.parse(raw) as Received['body'] });
        if (answer === 'hang') {
          this.hanging.add(res);
          return;
        }
        res.writeHead(answer, answer >= 300 && answer < 400 ? { location: this.url + '/elsewhere' } : {}).end('ok');
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  answer(path: string, fn: Answer): void {
    this.answers.set(path, fn);
  }

  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

/** What a receiver does (docs/integrations.md): HMAC of "<timestamp>.<raw body>", constant-time compare. */
export function verifySignature(secret: string, r: Received): boolean {
  const ts = String(r.headers['x-tidings-timestamp']);
  const expected = Buffer.from('sha256=' + createHmac('sha256', secret).update(`${ts}.${r.raw}`).digest('hex'));
  const given = Buffer.from(String(r.headers['x-tidings-signature']));
  return given.length === expected.length && timingSafeEqual(given, expected);
}
