/**
 * /api/docs: the OpenAPI document as a readable, static page, rendered on the server from the same
 * document /api/openapi.json serves (no script, no CDN, the site's stylesheet).
 */
import { html, type SafeHtml } from '../html';
import { page, scrollRegion } from '../layout';

type Json = Record<string, unknown>;

const METHODS = ['get', 'post', 'put', 'delete'] as const;

function schemaBlock(label: string, schema: unknown): SafeHtml {
  return scrollRegion(label, html`<pre><code>${JSON.stringify(schema, null, 2)}</code></pre>`);
}

function operation(path: string, method: string, op: Json): SafeHtml {
  const name = `${method.toUpperCase()} ${path}`;
  const params = (op.parameters ?? []) as Json[];
  const body = op.requestBody as { content: Record<string, { schema: unknown }> } | undefined;
  const responses = Object.entries((op.responses ?? {}) as Record<string, Json>);
  const secured = Array.isArray(op.security) && op.security.length > 0;
  return html`<section class="card" aria-labelledby="${String(op.operationId)}">
<h3 id="${String(op.operationId)}"><code>${name}</code></h3>
<p>${String(op.summary ?? '')}</p>
<p>${secured ? 'Authentication: Authorization: Bearer <editor key>.' : 'Public: no authentication.'}</p>
${params.length
    ? html`<h4>Parameters</h4><ul>${params.map((p) => html`<li><code>${String(p.name)}</code> (${String(p.in)}${p.required ? ', required' : ''})${p.description ? html`: ${String(p.description)}` : ''}</li>`)}</ul>`
    : ''}
${body
    ? html`<h4>Request body</h4>${Object.entries(body.content).map(([type, c]) => html`<p><code>${type}</code></p>${schemaBlock(`${name} request body ${type}`, c.schema)}`)}`
    : ''}
<h4>Responses</h4>
<ul>${responses.map(([status, r]) => {
    const content = Object.entries((r.content ?? {}) as Record<string, { schema?: unknown }>);
    return html`<li><strong>${status}</strong> ${String(r.description ?? '')}${content.map(([type, c]) =>
      c.schema ? html` <code>${type}</code>${schemaBlock(`${name} ${status} ${type}`, c.schema)}` : html` <code>${type}</code>`)}</li>`;
  })}</ul>
</section>`;
}

export function docsPage(doc: Json): string {
  const paths = Object.entries(doc.paths as Record<string, Json>);
  const schemas = Object.entries(((doc.components as Json).schemas ?? {}) as Record<string, unknown>);
  const info = doc.info as { title: string; version: string; description: string };
  const ops = paths.flatMap(([path, item]) => METHODS.filter((m) => item[m]).map((m) => ({ path, method: m, op: item[m] as Json })));
  const body = html`<h1>${info.title} ${info.version}</h1>
<p>${info.description}</p>
<p>The machine-readable description: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1). Webhooks and their signatures: docs/integrations.md.</p>
<nav aria-label="Operations"><ul>${ops.map(({ path, method, op }) => html`<li><a href="#${String(op.operationId)}"><code>${method.toUpperCase()} ${path}</code></a></li>`)}</ul></nav>
<h2>Operations</h2>
${ops.map(({ path, method, op }) => operation(path, method, op))}
<h2>Schemas</h2>
${schemas.map(([name, s]) => html`<h3 id="schema-${name}">${name}</h3>${schemaBlock(`Schema ${name}`, s)}`)}`;
  return page({ title: 'API reference', body, wide: true });
}
