/** The services the console's routers use (built in src/app.ts, handed in by src/http/routes.ts). */
import type { Container } from '../../container';

export type ConsoleDeps = Pick<
  Container,
  'config' | 'mailbox' | 'consoleSessions' | 'consoleOverview' | 'audit' | 'issues' | 'topics' | 'variants' | 'sending' | 'readers' | 'suppressions' | 'suppressionTransfer' | 'clicks' | 'deliverability' | 'webhooks'
>;
