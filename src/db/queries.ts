/**
 * Runtime SQL lives in named `.sql` files under db/queries (listmonk style):
 *
 *   -- name: subscriber-by-id
 *   SELECT ... WHERE id = $1;
 *
 * Every query is loaded at boot and checked with PREPARE against the migrated schema, so a typo or a
 * missing column fails the boot, not a request at 3 a.m. Names are checked earlier still, by the
 * compiler: `sql()` takes a QueryName, the union generated from these files into
 * src/db/query-names.ts (`npm run queries`), and the boot refuses files that disagree with it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Pool } from './pool';
import { QUERY_NAMES, type QueryName } from './query-names';
import { ROOT } from '../paths';

export type { QueryName };
export const QUERIES_DIR = path.join(ROOT, 'db/queries');

/** What pg's query() takes: a name makes it a server-side prepared statement. */
export interface Statement {
  name?: string;
  text: string;
}

// `deliveries/*send*/` in a query: the ledger of the one send it runs for (Queries.forSend).
const SEND_PARTITION = /\bdeliveries\/\*send\*\//g;

/**
 * The name of a send's ledger partition (migration 025's tidings_delivery_partition), for SQL that
 * names it in its text: the id is checked to be a positive integer, the only variable part.
 */
export function deliveryPartition(sendId: number): string {
  if (!Number.isSafeInteger(sendId) || sendId <= 0) throw new Error(`ledger partition: bad send id ${String(sendId)}`);
  return `deliveries_s${sendId}`;
}

/** Every named query of a folder's *.sql files, in file then position order. */
export function readQueryFiles(dir = QUERIES_DIR): Map<string, { file: string; sql: string }> {
  const byName = new Map<string, { file: string; sql: string }>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()) {
    const text = readFileSync(path.join(dir, file), 'utf8');
    const parts = text.split(/^--\s*name:\s*/m).slice(1);
    for (const part of parts) {
      const nl = part.indexOf('\n');
      const name = part.slice(0, nl).trim();
      const sql = part.slice(nl + 1).trim().replace(/;\s*$/, '');
      if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`${file}: bad query name "${name}"`);
      if (byName.has(name)) throw new Error(`${file}: duplicate query name "${name}"`);
      if (!sql) throw new Error(`${file}: query "${name}" is empty`);
      byName.set(name, { file, sql });
    }
  }
  return byName;
}

export class Queries {
  private constructor(
    private readonly byName: ReadonlyMap<string, string>,
    private readonly namedStatements: boolean,
  ) {}

  /**
   * Loads a folder of named queries. The project's own folder must hold exactly the names of
   * src/db/query-names.ts: a query added without regenerating that file, or one removed while code
   * may still name it, stops the boot. `namedStatements: false` behind a transaction pooler
   * (DATABASE_POOLER=transaction): a named statement lives on one server connection, and the next
   * transaction may run on another that never saw it.
   */
  static load(dir = QUERIES_DIR, opts: { namedStatements?: boolean } = {}): Queries {
    const files = readQueryFiles(dir);
    if (dir === QUERIES_DIR) {
      const declared = new Set<string>(QUERY_NAMES);
      const missing = [...files.keys()].filter((n) => !declared.has(n));
      const gone = QUERY_NAMES.filter((n) => !files.has(n));
      if (missing.length || gone.length) {
        throw new Error(
          `db/queries and src/db/query-names.ts disagree (run npm run queries): ` +
            [missing.length ? `not declared: ${missing.join(', ')}` : '', gone.length ? `no longer in db/queries: ${gone.join(', ')}` : ''].filter(Boolean).join('; '),
        );
      }
    }
    return new Queries(new Map([...files].map(([name, q]) => [name, q.sql])), opts.namedStatements ?? true);
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }

  /** The SQL text of a named query. Names are checked at compile time; a folder of other queries (tests) may lack one. */
  sql(name: QueryName): string {
    const sql = this.byName.get(name);
    if (sql === undefined) throw new Error(`unknown query "${name}"`);
    return sql;
  }

  private readonly preparedConfigs = new Map<string, Statement>();
  private readonly perSend = new Map<string, Statement>();

  /**
   * The statement pg runs for `key`, made once and kept in `cache`: named `tidings:<key>` so each
   * connection parses and plans it once, or unnamed behind a transaction pooler (a named statement
   * lives on one server connection, and the next transaction may run on another).
   */
  private statement(cache: Map<string, Statement>, key: string, text: () => string): Statement {
    let config = cache.get(key);
    if (!config) {
      config = this.namedStatements ? { name: `tidings:${key}`, text: text() } : { text: text() };
      cache.set(key, config);
    }
    return config;
  }

  /**
   * The query as a server-side prepared statement (pg parses and plans it once per connection,
   * then only binds). For the public endpoints' hot queries, which are simple lookups and writes by
   * key: a prepared statement may run with a generic plan, which is wrong for queries whose best
   * plan depends on the values, so the rest stay unnamed. Measured on the subscribe INSERT:
   * +15-30% req/s in the bench's API phase (docs/performance.md).
   */
  prepared(name: QueryName): Statement {
    return this.statement(this.preparedConfigs, name, () => this.sql(name));
  }

  /**
   * A query on one send's ledger rows, naming that send's partition instead of the parent table
   * wherever its SQL marks `deliveries` with the comment `send` (migration 025). Why: a statement
   * on the partitioned parent whose send is not a constant pays for every partition on every
   * execution (a generic plan locks and initialises all of them; a custom one plans all of them),
   * so the deliver stage's per-message write got ≈ 15 µs slower per partition — 5 × at 100 sends
   * (docs/performance.md). On the partition it costs the same at 1 or 1,000 sends. Named per send
   * (each connection prepares it once per send it works on; a pool connection lives an hour at
   * most, which drops them, src/db/pool.ts), so the cache here keeps only the latest sends.
   */
  forSend(name: QueryName, sendId: number): Statement {
    const partition = deliveryPartition(sendId);
    const config = this.statement(this.perSend, `${name}:s${sendId}`, () => this.sql(name).replace(SEND_PARTITION, partition));
    if (this.perSend.size > 64) this.perSend.delete(this.perSend.keys().next().value as string);
    return config;
  }

  /** PREPAREs every query inside a rolled-back transaction; throws naming each broken one. */
  async check(pool: Pool): Promise<void> {
    const client = await pool.connect();
    const broken: string[] = [];
    try {
      await client.query('BEGIN');
      let i = 0;
      for (const [name, sql] of this.byName) {
        const stmt = `tidings_check_${i++}`;
        await client.query('SAVEPOINT q');
        try {
          await client.query(`PREPARE ${stmt} AS ${sql}`);
          await client.query(`DEALLOCATE ${stmt}`);
          await client.query('RELEASE SAVEPOINT q');
        } catch (err) {
          broken.push(`${name}: ${(err as Error).message}`);
          await client.query('ROLLBACK TO SAVEPOINT q');
        }
      }
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
    }
    if (broken.length) throw new Error('broken SQL in db/queries:\n  ' + broken.join('\n  '));
  }
}
