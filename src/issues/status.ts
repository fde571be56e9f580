/**
 * issues.status, declared once (migrations 003, 008, 023): a draft is editable; `scheduled` (its send
 * waits for a time), `sending` and `sent` freeze the document; `cancelled` is a cancelled send's issue, kept out of the archive.
 */
export const ISSUE_STATUSES = ['draft', 'scheduled', 'sending', 'sent', 'cancelled'] as const;
export type IssueStatus = (typeof ISSUE_STATUSES)[number];
