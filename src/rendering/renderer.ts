/**
 * Renders one variant: (issue document, topic set) → subject, HTML and text with placeholders.
 * MJML runs once per variant (~100 ms); per recipient only personalize() runs (microseconds).
 */
import { createHash } from 'node:crypto';
import type { IssueDocument } from '../issues/document';
import { clickRewriter, type ClickLinking } from './click-links';
import { compileMjml } from './compile';
import { buildMjml, buildText } from './email';
import { selectForReader, type TopicInfo } from './select';
import type { TemplateSet } from './templates';

export interface RenderedVariant {
  /** Canonical topic-set key, e.g. "ai,nev". */
  topics: string;
  subject: string;
  /** '' when the reader gets nothing (no item and no highlight): delivery skips them. */
  html: string;
  text: string;
  itemCount: number;
  htmlBytes: number;
  empty: boolean;
}

/** Bumped when the renderer's code changes output in a way the template hash cannot see. */
const RENDER_VERSION = '3';

export class Renderer {
  private readonly names: ReadonlyMap<string, string>;

  constructor(
    private readonly templates: TemplateSet,
    private readonly topics: readonly TopicInfo[],
    private readonly postalAddress: string,
    /** Absent: CLICK_TRACKING=off, links stay as the editor wrote them. */
    private readonly clicks?: ClickLinking,
  ) {
    this.names = new Map(topics.map((t) => [t.slug, t.name]));
  }

  /**
   * Fingerprint of everything a variant depends on: the document, the templates, the topics'
   * names and the postal address, and for counted links the issue, PUBLIC_URL and the signing key
   * (a rotated key re-renders). A stored variant with another hash is stale.
   */
  docHash(doc: IssueDocument, issueId?: number): string {
    const clicks = this.clicks ? [issueId, this.clicks.publicUrl, this.clicks.tokens.signingKid] : 'off';
    return createHash('sha256')
      .update(JSON.stringify([RENDER_VERSION, this.templates.hash, this.topics, this.postalAddress, clicks, doc]))
      .digest('hex');
  }

  /** `issueId` names the issue in counted links (none: links stay as written, e.g. the web version). */
  async render(doc: IssueDocument, topicSet: readonly string[], issueId?: number): Promise<RenderedVariant> {
    const sorted = this.topics.filter((t) => topicSet.includes(t.slug)).map((t) => t.slug).sort();
    const view = selectForReader(doc, this.topics, sorted);
    const key = sorted.join(',');
    if (view.empty) {
      return { topics: key, subject: view.subject, html: '', text: '', itemCount: 0, htmlBytes: 0, empty: true };
    }
    const links = clickRewriter(this.clicks, issueId, doc, this.topics.map((t) => t.slug), sorted);
    const ctx = { templates: this.templates, postalAddress: this.postalAddress, topicNames: this.names, links };
    const html = await compileMjml(buildMjml(view, ctx));
    return {
      topics: key,
      subject: view.subject,
      html,
      text: buildText(view, ctx),
      itemCount: view.itemCount,
      htmlBytes: Buffer.byteLength(html, 'utf8'),
      empty: false,
    };
  }
}
