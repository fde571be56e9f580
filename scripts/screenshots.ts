/**
 * `npm run screenshots`: PNGs of the console's main pages in docs/screenshots/, taken with Debian's
 * Chromium. Starts its own Tidings on a scratch database (dropped afterwards) with a few hundred
 * readers and the sample issue, using the built-in local mailbox, and a random port and queue prefix.
 * Needs the same Postgres and Redis as the tests (TEST_PG_URL / TEST_REDIS_URL or the defaults).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { CLI_ACTOR } from '../src/editors/audit';
import { buildContainer, startTidings } from '../src/app';
import { loadConfig } from '../src/config';
import { migrate } from '../src/db/migrate';
import { createPool, withClient } from '../src/db/pool';
import { sampleIssueFiles } from '../src/issues/sample';
import { createLogger } from '../src/logger';
import { launchBrowser } from '../tests/helpers/browser';
import { PG_ADMIN_URL, REDIS_URL, dbUrl } from '../tests/helpers/env';

const OUT = path.resolve(__dirname, '../docs/screenshots');
const READERS = 300;
const SETS = ['telecom', 'ai', 'nev', 'telecom;ai', 'ai;nev', 'telecom;nev', 'telecom;ai;nev', 'ai', 'telecom'];

async function admin(sql: string): Promise<void> {
  await withClient(PG_ADMIN_URL, (c) => c.query(sql));
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const name = `tidings_shots_${randomBytes(4).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = dbUrl(name);
  const key = 'screenshots-editor-key-' + randomBytes(8).toString('hex');
  try {
    const pool = createPool(url, 1);
    await migrate(pool);
    await pool.end();
    const config = loadConfig({
      PORT: '0', DATABASE_URL: url, REDIS_URL, QUEUE_PREFIX: `shots_${randomBytes(4).toString('hex')}`,
      EDITOR_API_KEY: key, LOG_LEVEL: 'warn', SEND_RATE_PER_SECOND: '60', SHUTDOWN_TIMEOUT_MS: '3000',
    });
    const c = await buildContainer({ ...config, databaseUrl: url }, { log: createLogger('warn'), defaultMetrics: false });
    await c.pool.query("UPDATE editors SET email = 'editor@example.org' WHERE name = 'admin'");
    const app = await startTidings(c);
    const base = app.url!;
    // Readers go through the importer so they carry the same consent history a real import leaves.
    const csv = ['email,name,topics', ...Array.from({ length: READERS }, (_, i) => `reader${i}@example.org,Reader ${i},${SETS[i % SETS.length]}`)];
    await c.readers.importer.run(csv.join('\n'), { dryRun: false, by: CLI_ACTOR });

    const browser = await launchBrowser();
    try {
      const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
      const shot = async (file: string, full = false) => {
        await page.screenshot({ path: path.join(OUT, file), fullPage: full });
        console.log('wrote', path.join('docs/screenshots', file));
      };

      await page.goto(`${base}/admin/sign-in`);
      await shot('sign-in.png');
      await page.fill('#key', key);
      await page.click('button[type=submit]');
      await page.waitForURL('**/admin/issues');

      await page.goto(`${base}/admin/issues/import`);
      await page.setInputFiles('#file', sampleIssueFiles()[0]!);
      await page.click('form[action="/admin/issues/import"] button[type=submit]');
      await page.waitForURL(/\/edit\?imported=1/);
      const id = Number(/issues\/(\d+)\//.exec(page.url())![1]);
      await shot('editor.png');
      await page.click('.sticky-actions button[type=submit]');
      await page.waitForURL(/\/preview/);
      await page.waitForTimeout(1500);
      await shot('preview-matrix.png');

      // A second draft, so the list shows more than one state.
      const doc = JSON.parse(JSON.stringify((await c.issues.get(id)).document)) as { slug: string; title: string };
      doc.slug = 'next-issue-draft';
      doc.title = 'China TMT: July & August 2024 (draft)';
      await c.issues.create(doc, { by: CLI_ACTOR });

      await page.goto(`${base}/admin/issues/${id}/send`);
      await shot('send-confirm.png');
      await page.click('#start-send');
      await page.waitForURL(/done=started/);
      await page.waitForTimeout(2500);
      await shot('send-progress.png');
      await page.locator('#report').waitFor({ timeout: 60_000 });
      await shot('send-report.png', true);

      await page.goto(`${base}/admin/issues`);
      await shot('issues.png');
      await page.goto(`${base}/admin/subscribers`);
      await shot('subscribers.png');
      await page.click('table.subscribers a');
      await shot('subscriber-history.png');

      await page.setViewportSize({ width: 360, height: 740 });
      await page.goto(`${base}/admin/issues/${id}/send`);
      await shot('mobile-send.png');
    } finally {
      await browser.close();
      await app.stop();
    }
  } finally {
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
