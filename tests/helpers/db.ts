/** A database of the test file's own, cloned from the migrated template. */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { withClient } from '../../src/db/pool';
import { PG_ADMIN_URL, TEMPLATE_ENV, dbUrl } from './env';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

const admin = <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => withClient(PG_ADMIN_URL, fn);

export async function createTestDatabase(opts: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const template = process.env[TEMPLATE_ENV];
  if (!template) throw new Error('global setup did not run');
  const name = `tidings_t_${randomBytes(5).toString('hex')}`;
  await admin((c) => c.query(opts.migrated === false ? `CREATE DATABASE ${name}` : `CREATE DATABASE ${name} TEMPLATE ${template}`));
  return {
    name,
    url: dbUrl(name),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}
