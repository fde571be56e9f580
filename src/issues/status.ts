/**
 * issues.status, declared once (migrations 003 and 008): a draft is editable; `sending` and `sent`
 * freeze the document; `cancelled` is a cancelled send's issue, kept out of the archive.
 */
export const ISSUE_STATUSES = ['draft', 'sending', 'sent', 'cancelled'] as const;
export type IssueStatus = (typeof ISSUE_STATUSES)[number];
