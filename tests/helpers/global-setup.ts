/**
 * Migrates one template database per `jest` run; every test file clones it (CREATE DATABASE …
 * TEMPLATE, a file copy that takes milliseconds), so files never share rows.
 */
import { randomBytes } from 'node:crypto';
import { migrate } from '../../src/db/migrate';
import { createPool, withClient } from '../../src/db/pool';
import { PG_ADMIN_URL, TEMPLATE_ENV, dbUrl } from './env';

export default async function globalSetup(): Promise<void> {
  const name = `tidings_tpl_${randomBytes(4).toString('hex')}`;
  await withClient(PG_ADMIN_URL, (c) => c.query(`CREATE DATABASE ${name}`));
  const pool = createPool(dbUrl(name), 1);
  await migrate(pool);
  await pool.end();
  process.env[TEMPLATE_ENV] = name;
}
