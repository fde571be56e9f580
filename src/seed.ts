/**
 * First-boot conveniences for a new install. Kept separate from migrations: migrations define
 * schema, this only adds example content a new user can try (and delete).
 */
import type { Container } from './app';

export async function seedOnEmptyDatabase(_c: Container): Promise<void> {
  // The sample issue is loaded here once the issues capability exists (see src/issues/sample.ts).
}
