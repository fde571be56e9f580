/**
 * HTML/XML escaping of text, for every layer that writes markup: the page templates (src/http),
 * the email templates and personalisation (src/rendering) and the message builder (src/sending).
 * It lives below all of them so that none has to import another's module to escape a value.
 */
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}
