/**
 * The wiring that issue 13 made explicit: every JSON route under /api is declared through the one
 * route helper (so issue 19 can generate OpenAPI from the declarations), each declaration's
 * schemas convert to JSON Schema, and a worker process without SMTP_URL runs its own local
 * mailbox on a free port rather than the API process's MAILBOX_SMTP_PORT.
 */
import net from 'node:net';
import type { Router } from 'express';
import { z } from 'zod';
import { errorStatuses, type DeclaredRoute } from '../src/http/api-route';
import { allApiRoutes, routers } from '../src/http/routes';
import { issueDocument } from '../src/http/api-schemas';
import { startTestApp, type TestApp } from './helpers/app';
import { importMarkdown } from '../src/issues/import-markdown';
import { sampleIssueFiles } from '../src/issues/sample';
import { TopicSuggester } from '../src/issues/suggest';
import { readFileSync } from 'node:fs';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

const declared = (): DeclaredRoute[] => allApiRoutes(t.c);

/** method + path of every route an Express router holds (Express 5: layers with a route). */
interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

function mounted(router: Router | { stack?: Layer[] }): string[] {
  const out: string[] = [];
  for (const layer of (router.stack ?? []) as unknown as Layer[]) {
    if (layer.route) for (const m of Object.keys(layer.route.methods)) out.push(`${m} ${layer.route.path}`);
    else if (Array.isArray(layer.handle?.stack)) out.push(...mounted(layer.handle));
  }
  return out;
}

test('every route under /api is a declared route, and every declaration is mounted', () => {
  const api = routers(t.c).flatMap(mounted).filter((r) => r.split(' ')[1]!.startsWith('/api'));
  const decl = declared().map((r) => `${r.method} ${r.path}`);
  expect(new Set(decl).size).toBe(decl.length);
  expect([...api].sort()).toEqual([...decl].sort());
});

test('each declaration is complete: a summary, a 2xx answer, error statuses, schemas that convert to JSON Schema', () => {
  for (const r of declared()) {
    const name = `${r.method} ${r.path}`;
    expect([name, r.summary.length > 10]).toEqual([name, true]);
    expect([name, Object.keys(r.responses).some((s) => Number(s) >= 200 && Number(s) < 300)]).toEqual([name, true]);
    if (r.auth === 'editor') expect([name, errorStatuses(r)]).toEqual([name, expect.arrayContaining([401, 429])]);
    if (r.path.includes(':id')) expect([name, errorStatuses(r)]).toEqual([name, expect.arrayContaining([404])]);
    const schemas = [r.params, r.query, r.headers, r.body?.schema, ...Object.values(r.responses).map((x) => x.schema)];
    for (const s of schemas) if (s) expect(() => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' })).not.toThrow();
  }
});

test('the issue document schema accepts the sample issue as the importer reads it', () => {
  for (const file of sampleIssueFiles()) {
    const { document } = importMarkdown(readFileSync(file, 'utf8'), new TopicSuggester(undefined, ['telecom', 'ai', 'nev']));
    expect(issueDocument.safeParse(document).error).toBeUndefined();
  }
});

test('a malformed id is the same answer on every route: 404 naming the id', async () => {
  for (const path of ['/api/issues/abc', '/api/issues/0/send', '/api/issues/1e3/send/report', '/api/subscribers/x1', '/api/subscribers/-1/export']) {
    const res = await t.fetch(path, { editor: true });
    expect([path, res.status, ((await res.json()) as { error: { field?: string } }).error.field]).toEqual([path, 404, 'id']);
  }
});

test('a worker without SMTP_URL runs its mailbox on a free port, leaving MAILBOX_SMTP_PORT to the API process', async () => {
  const holder = net.createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const port = (holder.address() as net.AddressInfo).port;
  try {
    const worker = await startTestApp({ db: t.db, localMailbox: true, env: { ROLE: 'worker', MAILBOX_SMTP_PORT: String(port) } });
    try {
      expect(worker.c.mailbox).toBeDefined();
      expect(worker.c.mailbox!.port).not.toBe(port);
    } finally {
      await worker.close();
    }
  } finally {
    holder.close();
  }
}, 30_000);
