/**
 * The consent sentence shown next to the subscribe button. Its version is recorded with every
 * consent event, so the ledger shows which wording a reader agreed to. Change the text → bump the
 * version (never edit a published version in place).
 */
export const CONSENT_VERSION = '2025-01';

export const CONSENT_TEXT =
  'I agree to receive the Tidings newsletter on the topics I picked. Every email has a one-click ' +
  'unsubscribe link, and you can change your topics at any time.';
