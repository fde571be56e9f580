/**
 * Link text that makes sense out of context (WCAG 2.4.4 / 2.4.9): screen-reader users often jump
 * through a message's list of links, where "Read more" or a bare URL (read out character by
 * character) says nothing. An item link keeps the editor's label when it is descriptive; a vague
 * label gets the item's title after it, and a bare web address becomes the title and the site.
 * Used by the email and the web version alike, so both read the same.
 */

/** Labels that name no destination (compared lower-case, without trailing punctuation). */
const VAGUE = new Set([
  'click here', 'here', 'this', 'link', 'this link', 'more', 'read more', 'learn more', 'more info', 'more information',
  'details', 'full text', 'read the full text', 'source', 'website', 'web page', 'continue reading', 'see more',
  'find out more', 'view', 'view online', 'open', 'go', 'download',
]);

function normalise(label: string): string {
  return label.toLowerCase().replace(/[\s.:…»›>→!]+$/u, '').replace(/\s+/g, ' ').trim();
}

/** A label that is just a web address (the Markdown importer's bare-URL links, or pasted ones). */
function bareUrlHost(label: string, url: string): string | undefined {
  const text = label.trim();
  if (!/^(https?:\/\/|www\.)\S+$/i.test(text) && text !== url) return undefined;
  try {
    return new URL(url).hostname.replace(/^www\./, '') || undefined;
  } catch {
    return undefined;
  }
}

/** The text of an item's link: the label, made to stand on its own with the item's title. */
export function itemLinkText(label: string, url: string, itemTitle: string): string {
  const host = bareUrlHost(label, url);
  if (host) return `${itemTitle} (${host})`;
  if (VAGUE.has(normalise(label))) return `${label.trim()}: ${itemTitle}`;
  return label;
}
