/**
 * Recipient values for previews and test emails: they show where a reader's links go without
 * belonging to any reader. A test email never carries a real token, even when the editor's own
 * address is a subscriber's: a forwarded test must not unsubscribe anyone.
 */
import type { RecipientValues } from './personalize';

export function exampleValues(publicUrl: string, topics: readonly string[]): RecipientValues & { unsubscribe_url: string } {
  const values: RecipientValues & { unsubscribe_url: string } = {
    unsubscribe_url: `${publicUrl}/unsubscribe/example`,
    preferences_url: `${publicUrl}/preferences/example`,
    name: 'Reader',
  };
  for (const t of topics) values[`stop_url:${t}`] = `${publicUrl}/unsubscribe/example?topic=${encodeURIComponent(t)}`;
  return values;
}
