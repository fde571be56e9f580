import { createPool } from '../src/db/pool';
import { Queries } from '../src/db/queries';
import { Topics, allTopicSets, topicSetKey } from '../src/topics';
import { createTestDatabase, type TestDatabase } from './helpers/db';

describe('topics', () => {
  let db: TestDatabase;
  let pool: ReturnType<typeof createPool>;
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = createPool(db.url);
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it('reuses a read for ttlMs, then sees a topic added with SQL', async () => {
    let now = 1_000_000;
    const topics = new Topics(pool, Queries.load(), 5000, () => now);
    expect(await topics.slugs()).toEqual(['telecom', 'ai', 'nev']);
    await pool.query(`INSERT INTO topics (slug, name, description, position) VALUES ('space', 'Space', 'Satellites.', 4)`);
    now += 4999;
    expect(await topics.slugs()).toEqual(['telecom', 'ai', 'nev']);
    now += 1;
    expect(await topics.slugs()).toEqual(['telecom', 'ai', 'nev', 'space']);
    // Callers get their own array.
    (await topics.list()).pop();
    expect(await topics.slugs()).toHaveLength(4);
  });

  it('names the 2^n − 1 topic sets canonically', () => {
    expect(allTopicSets(['telecom', 'ai', 'nev']).map(topicSetKey)).toEqual([
      'ai', 'nev', 'telecom', 'ai,nev', 'ai,telecom', 'nev,telecom', 'ai,nev,telecom',
    ]);
    expect(topicSetKey(['nev', 'ai', 'nev'])).toBe('ai,nev');
  });
});
