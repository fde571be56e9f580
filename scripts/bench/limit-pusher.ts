/**
 * One pusher process of the limit phase (scripts/bench/phase-limit.ts forks K of them, as many as
 * there are worker processes, so the limit gets the same CPUs as the engine). It builds its share of
 * the messages with the engine's own MessageBuilder, reports, then pushes them all on every "go":
 * through a pooled nodemailer transport (`sendMail({envelope, raw})`), or through the engine's own
 * SMTP pool (nodemailer's SMTPConnection driven directly, without the Mailer pipeline).
 */
import { createPool } from '../../src/db/pool';
import { Queries } from '../../src/db/queries';
import { createMailTransport } from '../../src/mail/transport';
import { VariantStore } from '../../src/rendering/variant-store';
import { SmtpPool } from '../../src/sending/smtp-pool';
import { VariantCache } from '../../src/sending/variants';
import { LinkTokens } from '../../src/subscribers/link-tokens';
import { recipientLinks } from '../../src/subscribers/links';
import { emailOf, topicsOf } from './db';

export interface PusherJob {
  databaseUrl: string;
  sinkUrl: string;
  sendId: number;
  issueId: number;
  /** Recipients 1..count are split between the pushers: this one takes id % parts === part. */
  count: number;
  part: number;
  parts: number;
  connections: number;
  publicUrl: string;
  secretKey: string;
  mailFrom: string;
}

export type PushVia = 'nodemailer' | 'smtp-pool';

export type PusherReport = { built: number; bytes: number } | { done: number; failed: number };

async function build(job: PusherJob): Promise<{ from: string; messages: { to: string; raw: Buffer }[] }> {
  const pool = createPool(job.databaseUrl, 1);
  try {
    const cache = new VariantCache(new VariantStore(pool, Queries.load()), { mailFrom: job.mailFrom, secretKey: job.secretKey, listUnsubscribeMailto: undefined });
    const material = await cache.get(job.sendId, job.issueId);
    const tokens = new LinkTokens([job.secretKey]);
    const messages: { to: string; raw: Buffer }[] = [];
    for (let id = 1; id <= job.count; id++) {
      if (id % job.parts !== job.part) continue;
      const topics = topicsOf(id);
      const variant = material.variants.get(topics.join(','));
      if (!variant || variant.empty) continue;
      const values = { ...recipientLinks(job.publicUrl, tokens, id, topics), name: '' };
      messages.push({ to: emailOf(id), raw: material.builder.build(variant, { subscriberId: id, email: emailOf(id), values }) });
    }
    return { from: material.builder.fromAddress, messages };
  } finally {
    await pool.end();
  }
}

async function push(via: PushVia, job: PusherJob, from: string, messages: { to: string; raw: Buffer }[]): Promise<number> {
  if (via === 'nodemailer') {
    const transport = createMailTransport({ url: job.sinkUrl, maxConnections: job.connections });
    const results = await Promise.allSettled(messages.map((m) => transport.sendMail({ envelope: { from, to: [m.to] }, raw: m.raw })));
    transport.close();
    return results.filter((r) => r.status === 'rejected').length;
  }
  const pool = new SmtpPool({ url: job.sinkUrl, maxConnections: job.connections });
  const results = await Promise.all(messages.map((m) => pool.send(from, m.to, m.raw)));
  pool.close();
  return results.filter((r) => r.kind !== 'sent').length;
}

process.once('message', (job: PusherJob) => {
  void (async () => {
    const { from, messages } = await build(job);
    process.send!({ built: messages.length, bytes: messages.reduce((n, m) => n + m.raw.length, 0) } satisfies PusherReport);
    process.on('message', (via: PushVia) => {
      void push(via, job, from, messages).then((failed) =>
        process.send!({ done: messages.length - failed, failed } satisfies PusherReport),
      );
    });
  })().catch((err: Error) => {
    process.stderr.write(`limit pusher: ${err.stack ?? err.message}\n`);
    process.exit(1);
  });
});
process.on('disconnect', () => process.exit(0));
