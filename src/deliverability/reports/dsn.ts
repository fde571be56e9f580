/**
 * Delivery status notifications, RFC 3464. The message/delivery-status body is a block of
 * per-message fields followed by one block per recipient, separated by empty lines (§2.1):
 *
 *   Reporting-MTA: dns; mx.example.net
 *
 *   Final-Recipient: rfc822; reader@example.com
 *   Action: failed
 *   Status: 5.1.1
 *   Diagnostic-Code: smtp; 550 5.1.1 <reader@example.com>: Recipient address rejected
 *
 * Outcome per recipient, never suppressing on a temporary failure:
 *   delivered | relayed | expanded        → ignore
 *   delayed                               → soft
 *   failed, status 5.x.x                  → hard
 *   failed, any other or no status        → soft (a 4.x.x that gave up is still no proof)
 *   no or unknown Action (not RFC 3464)   → by status class alone: 5 → hard, 4 → soft, else ignore
 * When Status is missing or unreadable, the Diagnostic-Code's enhanced or basic code decides.
 */
import { bareAddress, parseHeaderBlock, type Headers } from '../mime/headers';
import { diagnosticClass, enhancedStatus, statusClass } from '../status';
import type { DsnAction, DsnFields, DsnRecipient, RecipientOutcome } from './types';

const ACTIONS = new Set<DsnAction>(['failed', 'delayed', 'delivered', 'relayed', 'expanded']);
const RECIPIENT_FIELDS = ['final-recipient', 'original-recipient', 'action', 'status'];

/** `rfc822; reader@example.com` → `reader@example.com` (the address type is dropped). */
function typedAddress(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const semi = value.indexOf(';');
  const address = bareAddress(semi >= 0 ? value.slice(semi + 1) : value);
  return address && address.length <= 320 ? address : undefined;
}

export function recipientOutcome(action: DsnAction | undefined, status: string | undefined, diagnostic: string | undefined): RecipientOutcome {
  if (action === 'delivered' || action === 'relayed' || action === 'expanded') return 'ignore';
  if (action === 'delayed') return 'soft';
  const cls = statusClass(status) ?? diagnosticClass(diagnostic);
  if (action === 'failed') return cls === '5' ? 'hard' : 'soft';
  return cls === '5' ? 'hard' : cls === '4' ? 'soft' : 'ignore';
}

function recipientFrom(h: Headers): DsnRecipient | undefined {
  const finalRecipient = typedAddress(h.get('final-recipient'));
  const originalRecipient = typedAddress(h.get('original-recipient'));
  // A recipient block must say who it is about (RFC 3464 §2.3.2 makes Final-Recipient required).
  if (!finalRecipient && !originalRecipient) return undefined;
  const rawAction = h.get('action')?.trim().toLowerCase().split(/[\s(;]/, 1)[0];
  const action = rawAction && ACTIONS.has(rawAction as DsnAction) ? (rawAction as DsnAction) : undefined;
  const status = enhancedStatus(h.get('status'));
  const diagnosticCode = h.get('diagnostic-code')?.slice(0, 1000);
  const r: DsnRecipient = { outcome: recipientOutcome(action, status, diagnosticCode) };
  if (finalRecipient) r.finalRecipient = finalRecipient;
  if (originalRecipient) r.originalRecipient = originalRecipient;
  if (action) r.action = action;
  if (rawAction) r.rawAction = rawAction.slice(0, 40);
  if (status) r.status = status;
  if (diagnosticCode) r.diagnosticCode = diagnosticCode;
  const remoteMta = h.get('remote-mta');
  if (remoteMta) r.remoteMta = remoteMta.slice(0, 300);
  return r;
}

/**
 * Parses a delivery-status body. Returns undefined when no block names a recipient (the DSN is
 * malformed) or when there are more than `maxRecipients` (our messages have one recipient each;
 * a report listing hundreds is not about them).
 */
export function parseDeliveryStatus(text: string, maxRecipients: number): DsnFields | 'no_recipient' | 'too_many_recipients' {
  const out: DsnFields = { recipients: [] };
  const blocks = text.split(/\r?\n(?:[ \t]*\r?\n)+/);
  for (let i = 0; i < blocks.length; i++) {
    const h = parseHeaderBlock(blocks[i]!);
    const isRecipientBlock = RECIPIENT_FIELDS.some((f) => h.has(f));
    if (i === 0 && !isRecipientBlock) {
      const mta = h.get('reporting-mta');
      if (mta) out.reportingMta = typedAddress(mta) ?? mta.slice(0, 300);
      continue;
    }
    const r = isRecipientBlock ? recipientFrom(h) : undefined;
    if (r) out.recipients.push(r);
    if (out.recipients.length > maxRecipients) return 'too_many_recipients';
  }
  return out.recipients.length ? out : 'no_recipient';
}
