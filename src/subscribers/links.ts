/** The per-recipient link values every newsletter and transactional email carries. */
import type { RecipientValues } from '../rendering/personalize';
import type { LinkTokens } from './link-tokens';

export function recipientLinks(
  publicUrl: string,
  tokens: LinkTokens,
  subscriberId: number,
  topics: readonly string[],
): RecipientValues & { unsubscribe_url: string; preferences_url: string } {
  const unsub = tokens.sign(subscriberId, 'unsubscribe');
  const values: RecipientValues & { unsubscribe_url: string; preferences_url: string } = {
    unsubscribe_url: `${publicUrl}/unsubscribe/${unsub}`,
    preferences_url: `${publicUrl}/preferences/${tokens.sign(subscriberId, 'preferences')}`,
  };
  for (const t of topics) values[`stop_url:${t}`] = `${publicUrl}/unsubscribe/${unsub}?topic=${encodeURIComponent(t)}`;
  return values;
}
