/**
 * The GET /l/:token run of phase 4 (issue 17): an issue with ten items of three links each is
 * created through the editor API and marked sent with SQL (the sample issue has no links, and a
 * draft's clicks are not counted, which would skip the counting path). Requests cycle over valid
 * tokens for every link and all 7 topic sets, with a browser's user agent, so each is a person's
 * click: verify, look up, burst check, count, 302.
 */
import type autocannon from 'autocannon';
import pg from 'pg';
import { ClickTokens } from '../../src/clicks/tokens';
import { linkTable } from '../../src/rendering/click-links';

const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36';

export async function clickRequest(o: { url: string; secretKey: string; databaseUrl: string; editorKey: string }): Promise<autocannon.Request> {
  const doc = {
    slug: `bench-clicks-${Date.now().toString(36)}`,
    title: 'Bench clicks',
    sections: [{
      title: 'News',
      items: Array.from({ length: 10 }, (_, i) => ({
        title: `Item ${i}`, topics: [['telecom'], ['ai'], ['nev'], []][i % 4]!,
        links: [0, 1, 2].map((k) => ({ label: `Source ${i}.${k}`, url: `https://example.org/${i}/${k}` })),
      })),
    }],
  };
  const res = await fetch(`${o.url}/api/issues`, {
    method: 'POST', headers: { authorization: `Bearer ${o.editorKey}`, 'content-type': 'application/json' }, body: JSON.stringify(doc),
  });
  if (res.status !== 201) throw new Error(`bench clicks issue: ${res.status} ${await res.text()}`);
  const { id: issueId } = (await res.json()) as { id: number };
  const client = new pg.Client({ connectionString: o.databaseUrl });
  await client.connect();
  try {
    await client.query(`UPDATE issues SET status = 'sent', sent_at = now() WHERE id = $1`, [issueId]);
  } finally {
    await client.end();
  }
  const tokens = new ClickTokens([o.secretKey]);
  const all = linkTable(doc).items.flatMap((links, index) =>
    links.flatMap((_, link) => [1, 2, 3, 4, 5, 6, 7].map((mask) => tokens.sign({ issueId, part: 'item', index, link, mask }))),
  );
  let next = 0;
  return { method: 'GET', headers: { 'user-agent': BROWSER }, setupRequest: (req) => ({ ...req, path: `/l/${all[next++ % all.length]}` }) };
}
