import { withClient } from '../../src/db/pool';
import { PG_ADMIN_URL, TEMPLATE_ENV } from './env';

export default async function globalTeardown(): Promise<void> {
  const name = process.env[TEMPLATE_ENV];
  if (!name) return;
  await withClient(PG_ADMIN_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}
