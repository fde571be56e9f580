/**
 * The welcome email a reader gets once they confirm (WELCOME_EMAIL=on, the default). Editors write
 * its subject and Markdown body in the console (stored in settings); the mail always ends with the
 * reader's topics and their preferences link, so it can never fail to say how to change them.
 * `[[tidings:topics]]` and `[[tidings:preferences_url]]` may also be used in the body.
 * Readers who arrive by CSV import never pass through confirmation, so they get none unless the
 * import asks for it (`?welcome=1`, the console's checkbox; src/subscribers/csv-import.ts).
 */
import type { Pool } from '../db/pool';
import type { Queries } from '../db/queries';
import type { Actor, EditorAudit } from '../editors/audit';
import { ValidationError } from '../errors';
import { escapeHtml } from '../escape';
import { markdownToHtml, markdownToText } from '../rendering/markdown';

export const WELCOME_DEFAULT = {
  subject: 'Welcome to Tidings',
  markdown: 'Thank you for confirming: you are now subscribed.\n\nEach issue brings you only the news of the topics you chose, and the general news.',
};
export const WELCOME_LIMITS = { subject: 200, markdown: 20_000 };

export interface WelcomeText {
  subject: string;
  markdown: string;
}

export class WelcomeSettings {
  constructor(
    private readonly pool: Pool,
    private readonly queries: Queries,
    private readonly audit: EditorAudit,
  ) {}

  async get(): Promise<WelcomeText> {
    const q = this.queries.sql('setting-get');
    const [s, m] = await Promise.all([this.pool.query<{ value: string }>(q, ['welcome_subject']), this.pool.query<{ value: string }>(q, ['welcome_markdown'])]);
    return { subject: s.rows[0]?.value ?? WELCOME_DEFAULT.subject, markdown: m.rows[0]?.value ?? WELCOME_DEFAULT.markdown };
  }

  async save(text: { subject: unknown; markdown: unknown }, by: Actor): Promise<WelcomeText> {
    const subject = typeof text.subject === 'string' ? text.subject.trim() : '';
    const markdown = typeof text.markdown === 'string' ? text.markdown.replace(/\r\n/g, '\n').trim() : '';
    if (!subject || subject.length > WELCOME_LIMITS.subject || /[\r\n]/.test(subject)) {
      throw new ValidationError(`The subject must be one line of at most ${WELCOME_LIMITS.subject} characters.`, 'subject');
    }
    if (!markdown || markdown.length > WELCOME_LIMITS.markdown) throw new ValidationError(`The body must be 1 to ${WELCOME_LIMITS.markdown} characters of Markdown.`, 'markdown');
    await this.pool.query(this.queries.sql('setting-upsert'), ['welcome_subject', subject]);
    await this.pool.query(this.queries.sql('setting-upsert'), ['welcome_markdown', markdown]);
    await this.audit.record(by, 'settings.welcome');
    return { subject, markdown };
  }
}

/** The mail's parts; `[[tidings:…]]` placeholders are filled by personalize() afterwards. */
export function welcomeParts(text: WelcomeText): { subject: string; html: string; text: string } {
  const footer = 'You receive: [[tidings:topics]]. To change your topics or unsubscribe, open your preferences: [[tidings:preferences_url]]';
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(text.subject)}</title></head>
<body style="font-family:sans-serif;line-height:1.5;max-width:600px;margin:0 auto;padding:16px">
${markdownToHtml(text.markdown)}
<p>You receive: [[tidings:topics]].</p>
<p><a href="[[tidings:preferences_url]]">Change your topics or unsubscribe</a></p>
</body></html>`;
  return { subject: text.subject, html, text: `${markdownToText(text.markdown)}\n\n${footer}\n` };
}
