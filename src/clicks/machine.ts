/**
 * Telling machine clicks from people's, without keeping anything about either: HEAD requests,
 * user agents of known link scanners and previewers (read, matched, never stored), and clicks on a
 * variant's links within CLICK_BURST_SECONDS of a delivery of that variant — security gateways
 * open every link of a message as it arrives, people read later.
 */
import type { RedisClient } from '../queue';

/** Link scanners, safe-link rewriters, chat unfurlers, crawlers and HTTP libraries. */
const SCANNER_UA =
  /bot\b|crawler|spider|scanner|preview|barracuda|proofpoint|mimecast|safelinks|symantec|forcepoint|trendmicro|sophos|fireeye|ironport|cisco|zscaler|paloalto|checkpoint|fortiguard|messagelabs|urldefense|slackbot|facebookexternalhit|whatsapp|skypeuripreview|linkedinbot|discordbot|telegrambot|google-safety|googleimageproxy|yahoomailproxy|headlesschrome|phantomjs|python-requests|python-urllib|aiohttp|curl\/|wget\/|go-http-client|java\/|okhttp|axios|node-fetch|undici|libwww|httpclient/i;

export function isScannerAgent(userAgent: string | undefined): boolean {
  // No user agent at all: no browser sends a request without one.
  return !userAgent || SCANNER_UA.test(userAgent);
}

/**
 * Delivery times per (issue, topic set) in Redis, shared by worker processes (who mark) and API
 * processes (who ask). An API process keeps each answer for a moment, so the redirect does not
 * wait on Redis per click; if Redis is unreachable, the click counts as a person's and the
 * redirect goes on (a lost Redis may mislabel a few clicks, never stop one).
 */
export class DeliveryBursts {
  private readonly seen = new Map<string, { until: number; checkedAt: number }>();

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly burstSeconds: number,
    private readonly now: () => number = Date.now,
    /** How long an API process trusts a "no recent delivery" answer. */
    private readonly recheckMs = 250,
  ) {}

  // The issue is a hash tag: on a Redis Cluster (docs/scaling.md) one chunk's variants share a slot,
  // so `delivered`'s pipeline stays on one node.
  private key(issueId: number, topics: string): string {
    return `${this.prefix}:clicks:delivered:{${issueId}}:${topics}`;
  }

  /** Called by delivery after a chunk was handed over: these variants just went out. */
  async delivered(issueId: number, topicSets: Iterable<string>): Promise<void> {
    if (this.burstSeconds <= 0) return;
    const pipe = this.redis.pipeline();
    for (const topics of new Set(topicSets)) pipe.set(this.key(issueId, topics), '1', 'PX', this.burstSeconds * 1000);
    await pipe.exec();
  }

  /** Whether a variant was delivered within the burst window. */
  async recent(issueId: number, topics: string): Promise<boolean> {
    if (this.burstSeconds <= 0) return false;
    const k = this.key(issueId, topics);
    const t = this.now();
    const known = this.seen.get(k);
    if (known && t - known.checkedAt < this.recheckMs) return known.until > t;
    // A Redis that is down or reconnecting holds commands; the redirect waits 100 ms at most.
    let timer: NodeJS.Timeout | undefined;
    const ttl = await Promise.race([
      this.redis.pttl(k).catch(() => -2),
      new Promise<number>((resolve) => (timer = setTimeout(() => resolve(-2), 100))),
    ]).finally(() => clearTimeout(timer));
    const entry = { until: ttl > 0 ? t + ttl : 0, checkedAt: t };
    this.seen.set(k, entry);
    if (this.seen.size > 10_000) this.seen.delete(this.seen.keys().next().value!);
    return entry.until > t;
  }
}
