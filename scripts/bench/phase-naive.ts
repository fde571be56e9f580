/**
 * Phase 3, the naive design: what a quick implementation does. MJML is compiled for every
 * recipient (with their topic set), one BullMQ job per recipient carries the finished email, and a
 * worker hands it to nodemailer with its defaults (quoted-printable HTML, its own MIME building).
 * Producer and worker run together in this one process, like a single-process app would.
 */
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import { createPool } from '../../src/db/pool';
import type { IssueDocument } from '../../src/issues/document';
import { createMailTransport } from '../../src/mail/transport';
import { createRedis } from '../../src/queue';
import { personalize } from '../../src/rendering/personalize';
import { Renderer } from '../../src/rendering/renderer';
import { loadTemplates } from '../../src/rendering/templates';
import { LinkTokens } from '../../src/subscribers/link-tokens';
import { recipientLinks } from '../../src/subscribers/links';
import { emailOf, topicsOf } from './db';
import type { SinkProcess } from './sink-client';

export interface NaiveResult {
  messages: number;
  seconds: number;
  emailsPerS: number;
  msPerEmail: number;
  duplicates: number;
  lost: number;
}

export interface NaiveOptions {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  issueId: number;
  count: number;
  connections: number;
  publicUrl: string;
  secretKey: string;
  mailFrom: string;
  postalAddress: string;
  sink: SinkProcess;
}

interface NaiveJob {
  to: string;
  subject: string;
  html: string;
  text: string;
  messageId: string;
  unsubscribeUrl: string;
}

export async function runNaive(o: NaiveOptions): Promise<NaiveResult> {
  const pool = createPool(o.databaseUrl, 2);
  let doc: IssueDocument;
  let topicInfo: { slug: string; name: string }[];
  try {
    doc = (await pool.query<{ document: IssueDocument }>('SELECT document FROM issues WHERE id = $1', [o.issueId])).rows[0]!.document;
    topicInfo = (await pool.query<{ slug: string; name: string }>('SELECT slug, name FROM topics ORDER BY position')).rows;
  } finally {
    await pool.end();
  }
  const renderer = new Renderer(loadTemplates(), topicInfo, o.postalAddress);
  const tokens = new LinkTokens([o.secretKey]);
  const transport = createMailTransport({ url: o.sink.url, maxConnections: o.connections });
  const producerConn = createRedis(o.redisUrl);
  const workerConn = createRedis(o.redisUrl);
  const queue = new Queue<NaiveJob>('naive', { connection: producerConn as unknown as ConnectionOptions, prefix: o.queuePrefix });

  await o.sink.phase('naive');
  const started = Date.now();
  let produced = 0;
  const worker = new Worker<NaiveJob>(
    'naive',
    async (job) => {
      const d = job.data;
      await transport.sendMail({
        from: o.mailFrom,
        to: d.to,
        subject: d.subject,
        html: d.html,
        text: d.text,
        messageId: d.messageId,
        headers: { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click', Precedence: 'bulk' },
        list: { unsubscribe: d.unsubscribeUrl },
      });
    },
    { connection: workerConn as unknown as ConnectionOptions, prefix: o.queuePrefix, concurrency: o.connections * 2 },
  );
  worker.on('error', () => undefined);
  try {
    for (let id = 1; produced < o.count && id <= o.count * 2; id++) {
      const topics = topicsOf(id);
      const v = await renderer.render(doc, topics);
      if (v.empty) continue;
      const values = { ...recipientLinks(o.publicUrl, tokens, id, topics), name: '' };
      await queue.add('send', {
        to: emailOf(id),
        subject: v.subject,
        html: personalize(v.html, values, 'html'),
        text: personalize(v.text, values, 'text'),
        messageId: `<naive.i${o.issueId}.s${id}@bench.example>`,
        unsubscribeUrl: values.unsubscribe_url,
      }, { removeOnComplete: true, removeOnFail: 100 });
      produced++;
    }
    const s = await o.sink.waitFor(produced, Date.now() + 120_000);
    const seconds = ((s.lastAt ?? Date.now()) - started) / 1000;
    return {
      messages: produced,
      seconds,
      emailsPerS: s.received / Math.max(seconds, 1e-3),
      msPerEmail: (seconds * 1000) / Math.max(s.received, 1),
      duplicates: s.duplicates,
      lost: produced - s.received,
    };
  } finally {
    await worker.close();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    transport.close();
    producerConn.disconnect();
    workerConn.disconnect();
  }
}
