/**
 * First-boot conveniences for a new install. Kept separate from migrations: migrations define
 * schema, this only adds example content a new user can try (and delete).
 */
import type { Container } from './container';
import { loadSampleIssues } from './issues/sample';

export async function seedOnEmptyDatabase(c: Pick<Container, 'issues' | 'importers' | 'log'>): Promise<void> {
  // The sample issue (emails/issues/) as a draft, so a new user can preview and send at once.
  const loaded = await loadSampleIssues(c.issues, c.importers);
  if (loaded) c.log.info({ issues: loaded }, 'sample issue loaded as a draft');
}
