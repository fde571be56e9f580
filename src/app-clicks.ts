/**
 * The composition root's click-count part (docs/privacy.md), kept beside src/app.ts so that file
 * stays readable: signed /l/ tokens, the in-memory counter, machine filtering, the redirect and
 * the report. Like app.ts, the only place these are constructed; only app.ts imports it.
 */
import { ClickCounter } from './clicks/counter';
import { DeliveryBursts } from './clicks/machine';
import { ClickRedirects } from './clicks/redirect';
import { ClickReports } from './clicks/report';
import { ClickTokens } from './clicks/tokens';
import type { Clicks, Container } from './container';
import type { IssuesService } from './issues/service';

export function buildClicks(s: Pick<Container, 'pool' | 'queries' | 'config' | 'topics' | 'log' | 'redis'>, issues: IssuesService, secretKeys: readonly string[]): Clicks {
  const { pool, queries, config, topics } = s;
  const tokens = new ClickTokens(secretKeys);
  const counter = new ClickCounter(pool, queries, s.log, config.clicks.flushMs);
  const bursts = new DeliveryBursts(s.redis, config.queuePrefix, config.clicks.burstSeconds);
  return {
    tokens, counter, bursts,
    redirects: new ClickRedirects({ pool, queries, tokens, topics, counter, bursts }),
    reports: new ClickReports({ pool, queries, issues, topics, counter, tracking: config.clicks.tracking }),
  };
}
