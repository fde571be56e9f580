/**
 * The OpenAPI document (/api/openapi.json) is valid OpenAPI 3.1 by a real validator
 * (@seriousme/openapi-schema-validator, run through its CLI: the package is ESM-only and Jest runs
 * CommonJS), describes every declared route and its error bodies, and /api/docs is a readable page
 * that passes axe-core. Every other API test's bodies are held to the document by tests/helpers/app.ts.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { apiRoutes } from '../src/http/routes';
import { expectAccessible } from './helpers/axe';
import { launchBrowser } from './helpers/browser';
import { startTestApp, type TestApp } from './helpers/app';
import { OpenApiCheck } from './helpers/openapi-check';

let t: TestApp;
let browser: Browser;

beforeAll(async () => {
  [t, browser] = await Promise.all([startTestApp(), launchBrowser()]);
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

test('the document is valid OpenAPI 3.1 by a validator library', async () => {
  const res = await t.fetch('/api/openapi.json');
  expect(res.status).toBe(200);
  const doc = await res.json();
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'openapi-')), 'openapi.json');
  writeFileSync(file, JSON.stringify(doc));
  const cli = require.resolve('@seriousme/openapi-schema-validator/bin/validate-api-cli.js');
  const { stdout } = await promisify(execFile)(process.execPath, [cli, file], { timeout: 20_000 }).catch((err: { stdout: string }) => {
    throw new Error(`validator refused the document: ${err.stdout}`);
  });
  expect(JSON.parse(stdout).valid).toBe(true);
});

test('every declared route is described, with its error answers', async () => {
  const doc = await (await t.fetch('/api/openapi.json')).json();
  for (const route of apiRoutes(t.c)) {
    const op = doc.paths[route.path.replace(/:(\w+)/g, '{$1}')]?.[route.method];
    expect(op).toBeDefined();
    expect(op.summary).toBe(route.summary);
  }
  expect(doc.components.schemas.Error).toBeDefined();
  const subscribe = doc.paths['/api/subscriptions'].post;
  expect(subscribe.responses['422'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
  expect(subscribe.requestBody.content['application/json'].schema.required).toEqual(['email', 'topics']);
  const issue = doc.paths['/api/issues/{id}'].get;
  expect(issue.security).toEqual([{ editorKey: [] }]);
  expect(issue.parameters).toEqual([expect.objectContaining({ name: 'id', in: 'path', required: true })]);
});

test('a mismatch is caught: the harness refuses an answer the document does not list', async () => {
  const check = await OpenApiCheck.load(t.url);
  expect(() => check.check({ method: 'GET', path: '/api/issues/1', status: 418, contentType: null })).toThrow(/does not list/);
  expect(() => check.check({ method: 'POST', path: '/api/subscriptions', status: 202, contentType: 'application/json', responseText: '{"status":"done"}' })).toThrow(/does not fit/);
  expect(() => check.check({ method: 'POST', path: '/api/subscriptions', status: 202, contentType: 'application/json', responseText: '{"status":"pending"}', requestJson: { email: 1 } })).toThrow(/request body/);
});

test('/api/docs is a readable page with no violations', async () => {
  const page = await browser.newPage();
  try {
    const res = await page.goto(`${t.url}/api/docs`);
    expect(res?.status()).toBe(200);
    await expect(page.getByRole('heading', { level: 1 })).toBeDefined();
    expect(await page.locator('h1').textContent()).toContain('Tidings API');
    expect(await page.locator('code', { hasText: 'POST /api/subscriptions' }).count()).toBeGreaterThan(0);
    await expectAccessible(page, 'api-docs');
  } finally {
    await page.close();
  }
}, 60_000);
