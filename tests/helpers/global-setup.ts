/**
 * Migrates one template database per `jest` run; every test file clones it (CREATE DATABASE …
 * TEMPLATE, a file copy that takes milliseconds), so files never share rows.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate } from '../../src/db/migrate';
import { createPool } from '../../src/db/pool';
import { PG_ADMIN_URL, TEMPLATE_ENV, dbUrl } from './env';

export default async function globalSetup(): Promise<void> {
  const name = `tidings_tpl_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const pool = createPool(dbUrl(name), 1);
  await migrate(pool);
  await pool.end();
  process.env[TEMPLATE_ENV] = name;
}
