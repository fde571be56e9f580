/**
 * Read-only figures the console shows beside the other capabilities' own views: who a send would
 * reach per topic set, each issue's send results at a glance, and one reader's deliveries.
 */
import type { Pool } from '../db/pool';
import type { Queries } from '../db/queries';
import type { SendState } from '../sending/status';

export interface SendSummary {
  issue_id: number;
  status: SendState;
  paused: boolean;
  total: number;
  sent: number;
  failed: number;
  skipped: number;
  uncertain: number;
}

export interface SubscriberDelivery {
  id: number;
  issue_id: number;
  title: string;
  topics: string;
  status: string;
  attempts: number;
  smtp_code: number | null;
  error: string | null;
  sent_at: Date | null;
  updated_at: Date;
}

export interface SubscriberRollup {
  deliveries: number;
  sent: number;
  last_sent_at: Date | null;
}

export class ConsoleOverview {
  constructor(
    private readonly pool: Pool,
    private readonly queries: Queries,
  ) {}

  /** Topic-set key → readers a send started now would include. */
  async audience(): Promise<Map<string, number>> {
    const { rows } = await this.pool.query<{ topics: string; readers: number }>(this.queries.sql('console-audience'));
    return new Map(rows.map((r) => [r.topics, r.readers]));
  }

  async sendSummaries(issueIds: number[]): Promise<Map<number, SendSummary>> {
    if (!issueIds.length) return new Map();
    const { rows } = await this.pool.query<SendSummary>(this.queries.sql('console-send-summaries'), [issueIds]);
    return new Map(rows.map((r) => [r.issue_id, r]));
  }

  /** What ledgers dropped past DELIVERY_RETENTION_DAYS held for this reader; undefined = none dropped. */
  async subscriberRollup(subscriberId: number): Promise<SubscriberRollup | undefined> {
    const { rows } = await this.pool.query<SubscriberRollup>(this.queries.sql('console-subscriber-rollup'), [subscriberId]);
    return rows[0];
  }

  async subscriberDeliveries(subscriberId: number, limit = 100): Promise<SubscriberDelivery[]> {
    const { rows } = await this.pool.query<SubscriberDelivery>(this.queries.sql('console-subscriber-deliveries'), [subscriberId, limit]);
    return rows;
  }
}
