/** The report of a send: counts per variant and per topic, failure reasons, bounces. */
import type { Pool } from '../db/pool';
import type { Queries } from '../db/queries';
import type { DeliverabilityReports, SendDeliverability } from '../deliverability/report';
import type { Progress, SendService } from './service';

type Counts = Record<string, number>;

export interface SendReport {
  progress: Progress;
  variants: { topics: string; counts: Counts }[];
  topics: { topic: string; counts: Counts }[];
  failures: { status: string; smtp_code: number | null; error: string | null; count: number }[];
  bounces: Counts;
  /** Hard and soft bounces and complaints after handoff, with rates, overall and per topic. */
  deliverability: SendDeliverability;
}

function group<K extends string>(rows: ({ status: string; n: number } & Record<K, string>)[], key: K) {
  const out = new Map<string, Counts>();
  for (const r of rows) {
    const counts = out.get(r[key]) ?? {};
    counts[r.status] = r.n;
    out.set(r[key], counts);
  }
  return out;
}

export class SendReports {
  constructor(
    private readonly pool: Pool,
    private readonly queries: Queries,
    private readonly service: Pick<SendService, 'progress'>,
    private readonly deliverability: Pick<DeliverabilityReports, 'forSend'>,
  ) {}

  /** 404 (NotFoundError) before the issue has a send, like every other …/send read. */
  report(issueId: number): Promise<SendReport> {
    return sendReport(this.pool, this.queries, this.service, this.deliverability, issueId);
  }
}

async function sendReport(
  pool: Pool,
  queries: Queries,
  service: Pick<SendService, 'progress'>,
  deliverability: Pick<DeliverabilityReports, 'forSend'>,
  issueId: number,
): Promise<SendReport> {
  const progress = await service.progress(issueId);
  const id = progress.send_id;
  const [variants, topics, failures, bounces, dlv] = await Promise.all([
    pool.query<{ topics: string; status: string; n: number }>(queries.sql('send-counts-by-variant'), [id]),
    pool.query<{ topic: string; status: string; n: number }>(queries.sql('send-counts-by-topic'), [id]),
    pool.query<{ status: string; smtp_code: number | null; error: string | null; n: number }>(queries.sql('send-failure-reasons'), [id]),
    pool.query<{ type: string; n: number }>(queries.sql('send-bounce-counts'), [id]),
    deliverability.forSend(id),
  ]);
  return {
    progress,
    variants: [...group(variants.rows, 'topics')].map(([t, counts]) => ({ topics: t, counts })),
    topics: [...group(topics.rows, 'topic')].map(([t, counts]) => ({ topic: t, counts })),
    failures: failures.rows.map((f) => ({ status: f.status, smtp_code: f.smtp_code, error: f.error, count: f.n })),
    bounces: Object.fromEntries(bounces.rows.map((b) => [b.type, b.n])),
    deliverability: dlv,
  };
}
