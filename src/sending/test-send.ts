/**
 * The test email: one variant of an issue, sent now to one address, built by the same message
 * builder as the newsletter itself (src/sending/message.ts), so it carries exactly the headers and
 * MIME structure readers get — List-Unsubscribe, List-Unsubscribe-Post, List-Id, Precedence,
 * Message-ID — and an editor checking it sees what a mailbox provider will see.
 *
 * Links are examples, never a reader's tokens (see rendering/example-links.ts). The Message-ID has
 * the newsletter's form but a negative, random "subscriber" number: real ids are positive, so it
 * never collides with a reader's, and two tests are not merged as duplicates by the receiving side.
 * The API and the console both call this; the per-editor limit and the audit entry live here.
 */
import { randomInt } from 'node:crypto';
import type { EditorAudit } from '../editors/audit';
import type { Editor } from '../editors/keys';
import { UnavailableError, ValidationError } from '../errors';
import type { MailTransport } from '../mail/transport';
import type { RateLimiter } from '../ratelimit';
import { exampleValues } from '../rendering/example-links';
import type { Topics } from '../topics';
import { topicSetKey } from '../topics';
import { compileVariant, MessageBuilder, type MessageContext } from './message';

export const TEST_SENDS_PER_EDITOR = 20;
export const TEST_SEND_WINDOW_S = 600;
const EMAIL = /^[^\s@<>()",;:\\[\]]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$/;

/** The rendering capability's view of one variant (rendered and stored if stale). */
export interface TestVariantSource {
  variant(issueId: number, topics: readonly string[]): Promise<{ subject: string; html: string; text: string; empty: boolean }>;
}

export interface TestSendDeps {
  context: MessageContext;
  publicUrl: string;
  transport: MailTransport;
  rateLimiter: RateLimiter;
  topics: Topics;
  audit: EditorAudit;
  variants: TestVariantSource;
  issues: { get(id: number): Promise<{ title: string }> };
}

export interface TestSendRequest {
  issueId: number;
  editor: Editor;
  to: string;
  /** Topic slugs of the reader to impersonate; undefined means every topic. */
  topics?: readonly string[];
}

export interface TestSendResult {
  to: string;
  topics: string[];
  messageId: string;
}

export class TestSender {
  constructor(private readonly d: TestSendDeps) {}

  /** Validates, counts against the editor's limit, builds and sends; throws AppErrors with the field to blame. */
  async send(req: TestSendRequest): Promise<TestSendResult> {
    const to = req.to.trim();
    if (to.length > 254 || !EMAIL.test(to)) throw new ValidationError('to must be an email address', 'to');
    const topics = await this.topicSet(req.topics);
    await this.d.rateLimiter.hit('issue-test', String(req.editor.id), TEST_SENDS_PER_EDITOR, TEST_SEND_WINDOW_S);

    const issue = await this.d.issues.get(req.issueId);
    const v = await this.d.variants.variant(req.issueId, topics);
    const key = topicSetKey(topics);
    if (v.empty) throw new ValidationError(`a reader of ${key} gets nothing from this issue`, 'topics');

    const compiled = compileVariant({ topics: key, subject: `[Test] ${v.subject}`, html: v.html, text: v.text, empty: false });
    const builder = new MessageBuilder(this.d.context, req.issueId, issue.title);
    const pseudoSubscriber = -randomInt(1, 2 ** 47);
    const message = builder.build(compiled, { subscriberId: pseudoSubscriber, email: to, values: exampleValues(this.d.publicUrl, topics) });
    // The builder writes a newsletter; this one header marks it as a test (and which reader it shows).
    const raw = Buffer.concat([Buffer.from(`X-Tidings-Test: ${key}\r\n`), message]);
    await this.d.transport.sendMail({ envelope: { from: builder.fromAddress, to: [to] }, raw }).catch((err: Error) => {
      throw new UnavailableError(`The mail server did not accept the test email (${err.message.slice(0, 200)}).`);
    });
    await this.d.audit.record(req.editor, 'issue.test_send', { issueId: req.issueId, detail: `${key} → ${to}` });
    return { to, topics, messageId: builder.messageId(pseudoSubscriber) };
  }

  /** Known slugs, de-duplicated and sorted; undefined → every topic. */
  private async topicSet(raw: readonly string[] | undefined): Promise<string[]> {
    const all = await this.d.topics.slugs();
    if (raw === undefined) return [...all].sort();
    if (raw.length === 0) throw new ValidationError('topics must list at least one topic', 'topics');
    for (const t of raw) {
      if (!all.includes(t)) throw new ValidationError(`unknown topic ${JSON.stringify(t)}`, 'topics');
    }
    return [...new Set(raw)].sort();
  }
}
