/** What the report classifier returns: one variant per kind of inbound message. */
import type { MalformedReason } from '../mime/parse';

export type DsnAction = 'failed' | 'delayed' | 'delivered' | 'relayed' | 'expanded';
/** hard: suppress; soft: count; ignore: nothing to do (delivered, relayed, expanded). */
export type RecipientOutcome = 'hard' | 'soft' | 'ignore';

export interface DsnRecipient {
  /** Final-Recipient's address, the address type (`rfc822;`) removed. */
  finalRecipient?: string;
  originalRecipient?: string;
  /** Action when it is one RFC 3464 defines; `rawAction` keeps what was written. */
  action?: DsnAction;
  rawAction?: string;
  /** Enhanced status code, when well-formed. */
  status?: string;
  diagnosticCode?: string;
  remoteMta?: string;
  outcome: RecipientOutcome;
}

/** The header block of the message a report is about (the returned message or its headers). */
export interface OriginalMessage {
  /** With angle brackets, as our messages write it: `<tidings.i3.s7.…@example.org>`. */
  messageId?: string;
  /** The envelope sender the receiving side recorded: our VERP address when it is there. */
  returnPath?: string;
  from?: string;
  to?: string;
  subject?: string;
  /** `X-Tidings-*` headers, names lowercased. */
  tidingsHeaders: Record<string, string>;
}

/** What a message/delivery-status part says (RFC 3464). */
export interface DsnFields {
  reportingMta?: string;
  recipients: DsnRecipient[];
}

/** What a message/feedback-report part says (RFC 5965). */
export interface FeedbackFields {
  /** Lowercased Feedback-Type: `abuse`, `fraud`, `virus`, `not-spam`, `auth-failure`, `other`, … */
  feedbackType: string;
  /** Only `abuse` is a complaint; the other types are reported as such and acted on by nobody. */
  complaint: boolean;
  userAgent?: string;
  version?: string;
  originalMailFrom?: string;
  originalRcptTo: string[];
  arrivalDate?: string;
  sourceIp?: string;
  reportedDomains: string[];
}

export type ReportClassification =
  | ({ type: 'dsn'; original?: OriginalMessage } & DsnFields)
  | ({ type: 'feedback'; original?: OriginalMessage } & FeedbackFields)
  | {
      /** Not a report format, but the text carries a status code (an old-style bounce). */
      type: 'fallback';
      outcome: 'hard' | 'soft';
      status: string;
      /** The line the status came from, trimmed. */
      evidence: string;
      /** From an `X-Failed-Recipients` header (Exim), when present. */
      failedRecipients: string[];
      original?: OriginalMessage;
    }
  | { type: 'auto_reply'; reason: string }
  | { type: 'unclassified' }
  | { type: 'malformed'; reason: MalformedReason; detail: string };
