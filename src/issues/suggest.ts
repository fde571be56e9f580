/**
 * Topic suggestions for imported items, from the keyword model in topic-keywords.json (data, so an
 * editor can tune it without touching code). Suggestions are only ever suggestions: the importer puts
 * them into the draft, and the editor confirms or changes them before sending.
 */
import defaultModel from './topic-keywords.json';

export interface KeywordModel {
  titleWeight: number;
  threshold: number;
  topics: Record<string, string[]>;
  highlightLabels: Record<string, string[]>;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class TopicSuggester {
  private readonly patterns: { topic: string; keyword: string; re: RegExp }[];

  constructor(
    private readonly model: KeywordModel = defaultModel,
    /** Only these topics are ever suggested (the topics table). */
    private readonly known: readonly string[] = Object.keys(defaultModel.topics),
  ) {
    this.patterns = Object.entries(this.model.topics)
      .filter(([topic]) => known.includes(topic))
      .flatMap(([topic, words]) =>
        // Whole words only ("AI" must not match "said"); acronyms are matched case-sensitively so that
        // "ev" inside ordinary prose ("ever", "EV" vs "ev.") cannot trigger them.
        words.map((keyword) => ({
          topic,
          keyword,
          re: new RegExp(`(?<![\\w-])${escapeRe(keyword)}(?![\\w-])`, /^[A-Z0-9]+s?$/.test(keyword) ? 'g' : 'gi'),
        })),
      );
  }

  suggest(title: string, body = ''): { topics: string[]; matched: string[] } {
    const scores = new Map<string, number>();
    const matched = new Set<string>();
    for (const p of this.patterns) {
      const inTitle = (title.match(p.re) ?? []).length;
      const inBody = (body.match(p.re) ?? []).length;
      if (!inTitle && !inBody) continue;
      matched.add(p.keyword);
      scores.set(p.topic, (scores.get(p.topic) ?? 0) + inTitle * this.model.titleWeight + inBody);
    }
    const topics = this.known.filter((t) => (scores.get(t) ?? 0) >= this.model.threshold);
    return { topics, matched: [...matched].filter((k) => topics.some((t) => this.model.topics[t]?.includes(k))) };
  }

  /** The topic a "Key Highlights" label names ("Telecom Security" → telecom), if any. */
  topicForLabel(label: string, topicNames: ReadonlyMap<string, string> = new Map()): string | undefined {
    const l = label.trim().toLowerCase();
    for (const t of this.known) {
      if (t === l || topicNames.get(t)?.toLowerCase() === l) return t;
      if (this.model.highlightLabels[t]?.some((x) => x.toLowerCase() === l)) return t;
    }
    return undefined;
  }
}
