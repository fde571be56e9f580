/**
 * Deliverability figures: per send (and per topic within it) and per topic across every send —
 * hard bounces, soft bounces and complaints, each as a count and as a share of the messages
 * delivered (handed over: `sent`, or `bounced` later). Counted per reader, so a replayed report or
 * a second DSN for the same message does not count twice (bounce_events is deduplicated).
 */
import type { Pool } from '../db/pool';
import type { Queries } from '../db/queries';
import { byCodeUnit } from '../compare';

export interface Figures {
  delivered: number;
  hard_bounces: number;
  soft_bounces: number;
  complaints: number;
  /** Percentages of `delivered`, two decimals; 0 when nothing was delivered. */
  hard_bounce_rate: number;
  soft_bounce_rate: number;
  complaint_rate: number;
}

export interface SendDeliverability extends Figures {
  /** The complaint-rate warning (past a third of COMPLAINT_PAUSE_PERCENT), if any. */
  complaint_warning: string | null;
  topics: ({ topic: string } & Figures)[];
}

const pct = (n: number, of: number) => (of > 0 ? Math.round((n * 10000) / of) / 100 : 0);

export function figures(delivered: number, hard: number, soft: number, complaints: number): Figures {
  return {
    delivered,
    hard_bounces: hard,
    soft_bounces: soft,
    complaints,
    hard_bounce_rate: pct(hard, delivered),
    soft_bounce_rate: pct(soft, delivered),
    complaint_rate: pct(complaints, delivered),
  };
}

export class DeliverabilityReports {
  constructor(
    private readonly pool: Pool,
    private readonly queries: Queries,
  ) {}

  async forSend(sendId: number): Promise<SendDeliverability> {
    const q = this.queries;
    const [byTopic, delivered, rate, warning] = await Promise.all([
      this.pool.query<{ topic: string; type: string; n: number }>(q.sql('dlv-send-topic-counts'), [sendId]),
      this.pool.query<{ topic: string; n: number }>(q.sql('dlv-send-topic-delivered'), [sendId]),
      this.pool.query<{ complaints: number; delivered: number }>(q.sql('dlv-complaint-rate'), [sendId]),
      this.pool.query<{ complaint_warning: string | null }>(q.sql('dlv-send-warning'), [sendId]),
    ]);
    const totals = await this.pool.query<{ type: string; n: number }>(q.sql('dlv-send-reader-counts'), [sendId]);
    const t = Object.fromEntries(totals.rows.map((r) => [r.type, r.n])) as Record<string, number>;
    const topics = new Map<string, { delivered: number; hard: number; soft: number; complaint: number }>();
    const at = (topic: string) => topics.get(topic) ?? topics.set(topic, { delivered: 0, hard: 0, soft: 0, complaint: 0 }).get(topic)!;
    for (const r of delivered.rows) at(r.topic).delivered = r.n;
    for (const r of byTopic.rows) at(r.topic)[r.type as 'hard' | 'soft' | 'complaint'] = r.n;
    return {
      ...figures(rate.rows[0]?.delivered ?? 0, t.hard ?? 0, t.soft ?? 0, t.complaint ?? 0),
      complaint_warning: warning.rows[0]?.complaint_warning ?? null,
      topics: [...topics].sort(([a], [b]) => byCodeUnit(a, b)).map(([topic, f]) => ({ topic, ...figures(f.delivered, f.hard, f.soft, f.complaint) })),
    };
  }

  /** Every topic across every send. Reads the whole ledger: a report, not a hot path. */
  async byTopic(): Promise<({ topic: string } & Figures)[]> {
    const { rows } = await this.pool.query<{ topic: string; delivered: number; hard: number; soft: number; complaint: number }>(this.queries.sql('dlv-topic-totals'));
    return rows.map((r) => ({ topic: r.topic, ...figures(r.delivered, r.hard, r.soft, r.complaint) }));
  }
}
