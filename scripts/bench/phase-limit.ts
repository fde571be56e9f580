/**
 * Phase 2, the limit: the same messages the engine sends (its own MessageBuilder and variant
 * cache, same links, same Message-IDs) built in advance, then pushed by a pooled nodemailer
 * transport straight to the sink. No database, queue or rendering while the clock runs: the most
 * this machine can hand over.
 */
import { createPool } from '../../src/db/pool';
import { Queries } from '../../src/db/queries';
import { createMailTransport } from '../../src/mail/transport';
import { VariantCache } from '../../src/sending/variants';
import { LinkTokens } from '../../src/subscribers/link-tokens';
import { recipientLinks } from '../../src/subscribers/links';
import { emailOf, topicsOf } from './db';
import type { SinkProcess } from './sink-client';

export interface LimitResult {
  messages: number;
  avgBytes: number;
  seconds: number;
  emailsPerS: number;
  duplicates: number;
  lost: number;
}

export interface LimitOptions {
  databaseUrl: string;
  sendId: number;
  issueId: number;
  count: number;
  connections: number;
  publicUrl: string;
  secretKey: string;
  mailFrom: string;
  sink: SinkProcess;
}

export async function runLimit(o: LimitOptions): Promise<LimitResult> {
  const pool = createPool(o.databaseUrl, 2);
  const messages: { to: string; raw: Buffer }[] = [];
  let from = '';
  try {
    const cache = new VariantCache(pool, Queries.load(), { mailFrom: o.mailFrom, secretKey: o.secretKey, listUnsubscribeMailto: undefined });
    const material = await cache.get(o.sendId, o.issueId);
    from = material.builder.fromAddress;
    const tokens = new LinkTokens(o.secretKey);
    for (let id = 1; messages.length < o.count && id <= o.count * 2; id++) {
      const topics = topicsOf(id);
      const variant = material.variants.get(topics.join(','));
      if (!variant || variant.empty) continue;
      const values = { ...recipientLinks(o.publicUrl, tokens, id, topics), name: '' };
      messages.push({ to: emailOf(id), raw: material.builder.build(variant, { subscriberId: id, email: emailOf(id), values }) });
    }
  } finally {
    await pool.end();
  }
  const avgBytes = messages.reduce((n, m) => n + m.raw.length, 0) / Math.max(messages.length, 1);

  const transport = createMailTransport({ url: o.sink.url, maxConnections: o.connections });
  await o.sink.phase('limit');
  const started = Date.now();
  const results = await Promise.allSettled(
    messages.map((m) => transport.sendMail({ envelope: { from, to: [m.to] }, raw: m.raw })),
  );
  transport.close();
  const failed = results.filter((r) => r.status === 'rejected').length;
  const s = await o.sink.waitFor(messages.length - failed, Date.now() + 10_000);
  const seconds = ((s.lastAt ?? Date.now()) - started) / 1000;
  return {
    messages: messages.length,
    avgBytes,
    seconds,
    emailsPerS: s.received / Math.max(seconds, 1e-3),
    duplicates: s.duplicates,
    lost: messages.length - s.received,
  };
}
