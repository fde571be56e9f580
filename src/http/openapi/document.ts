/**
 * The OpenAPI 3.1 description of the JSON API, generated from the very route declarations the
 * server validates with (apiRoute(), src/http/api-route.ts), never written beside them: a route's
 * params, query, headers and body schemas become its parameters and request body, its declared
 * answers and error statuses (errorStatuses(), the same list CHECK_API_RESPONSES holds the server to)
 * become its responses. zod 4's z.toJSONSchema writes JSON Schema 2020-12, OpenAPI 3.1's dialect.
 *
 * Input schemas are converted as the client sends them (`io: 'input'`: an id is a string in a path);
 * answers as they arrive on the wire (JSON, so also `io: 'input'` of the wire schema). A schema with
 * `.meta({id})` (Error, IssueDocument, SendProgress) becomes a shared component.
 */
import { z } from 'zod';
import { errorBody, errorStatuses, type DeclaredRoute } from '../api-route';

type Json = Record<string, unknown>;

export interface OpenApiInfo {
  version: string;
  /** The server's public URL (PUBLIC_URL). */
  serverUrl: string;
}

const ERROR_TEXT: Record<number, string> = {
  400: 'Bad request (a body of the wrong kind: `bad_body`, `invalid_json`).',
  401: 'Missing or wrong editor key.',
  403: 'Forbidden.',
  404: 'Not found (a malformed id answers the same, `field: "id"`).',
  409: 'Conflict with the current state.',
  413: 'Body too large.',
  415: 'Unsupported media type.',
  422: 'Invalid input: `field` names what to fix.',
  429: 'Too many requests; see Retry-After.',
  503: 'A dependency (the mail relay) is unavailable.',
};

/** Converts one schema; its `$defs` go to the shared components, references rewritten to point there. */
function convert(schema: z.ZodType, components: Json): Json {
  const out = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Json;
  delete out.$schema;
  const defs = (out.$defs ?? {}) as Json;
  delete out.$defs;
  for (const [name, def] of Object.entries(defs)) components[name] = def;
  const text = JSON.stringify(out).replaceAll('"#/$defs/', '"#/components/schemas/');
  // A schema that itself carries an id converts to a reference to its own definition, now a component.
  return JSON.parse(text) as Json;
}

/** `{type: object, properties}` of a params/query/headers schema → OpenAPI parameters. */
function parameters(schema: z.ZodType | undefined, where: 'path' | 'query' | 'header', components: Json): Json[] {
  if (!schema) return [];
  const s = convert(schema, components);
  const props = (s.properties ?? {}) as Record<string, Json>;
  const required = new Set((s.required ?? []) as string[]);
  return Object.entries(props).map(([name, p]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    ...(typeof p.description === 'string' ? { description: p.description } : {}),
    schema: p,
  }));
}

/** `/api/issues/:id` → `/api/issues/{id}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_]\w*)/g, '{$1}');
}

function operation(route: DeclaredRoute, components: Json): Json {
  const responses: Json = {};
  for (const [status, r] of Object.entries(route.responses)) {
    const type = r.contentType ?? (r.schema ? 'application/json' : 'application/octet-stream');
    responses[status] = {
      description: r.description,
      content: { [type]: r.schema ? { schema: convert(r.schema, components) } : {} },
    };
  }
  for (const status of errorStatuses(route)) {
    responses[String(status)] ??= {
      description: ERROR_TEXT[status] ?? 'Error.',
      content: { 'application/json': { schema: convert(errorBody, components) } },
    };
  }
  const op: Json = {
    operationId: `${route.method}${openApiPath(route.path).replace(/[{}]/g, '').split(/[/-]/).map((w) => (w ? w[0]!.toUpperCase() + w.slice(1) : '')).join('')}`,
    summary: route.summary,
    tags: [route.path.split('/')[2] ?? 'api'],
    parameters: [
      ...parameters(route.params, 'path', components),
      ...parameters(route.query, 'query', components),
      ...parameters(route.headers, 'header', components),
    ],
    responses,
  };
  if (route.auth === 'editor') op.security = [{ editorKey: [] }];
  else op.security = [];
  if (route.body) {
    const schema = convert(route.body.schema, components);
    op.requestBody = { required: true, content: Object.fromEntries(route.body.types.map((t) => [t, { schema }])) };
  }
  return op;
}

/** The whole document for a list of declared routes. */
export function openApiDocument(routes: readonly DeclaredRoute[], info: OpenApiInfo): Json {
  const components: Json = {};
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    const p = (paths[openApiPath(route.path)] ??= {});
    p[route.method] = operation(route, components);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tidings API',
      version: info.version,
      description: 'The public and editor JSON API. Every error answer is `{error: {code, message, field?}}`.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: info.serverUrl }],
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(components).sort(([a], [b]) => a.localeCompare(b))),
      securitySchemes: { editorKey: { type: 'http', scheme: 'bearer', description: 'An editor API key (npm run cli -- keys create).' } },
    },
  };
}
