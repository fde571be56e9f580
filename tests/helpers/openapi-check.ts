/**
 * Holds every JSON API exchange a test makes through TestApp.fetch to the server's own OpenAPI
 * document (/api/openapi.json), with ajv (JSON Schema 2020-12, OpenAPI 3.1's dialect): the answer's
 * status must be declared, a JSON answer must fit its schema, and a JSON request body that the
 * server accepted (2xx) must fit the request schema. A request the server refused is not checked:
 * tests send bad bodies on purpose, and the refusal itself is checked (an Error body).
 * This sits beside CHECK_API_RESPONSES (the server's own check against the zod declarations), so the
 * document cannot drift from the code: both are held to the same answers.
 */
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { ValidateFunction } from 'ajv';

type Json = Record<string, unknown>;
const DOC_ID = 'tidings-openapi';

const pointer = (...parts: string[]) => parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

export class OpenApiCheck {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  private readonly routes: { method: string; template: string; re: RegExp }[] = [];
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly doc: Json) {
    addFormats(this.ajv);
    // The document itself is a schema resource; operations' schemas are compiled by JSON pointer.
    this.ajv.addSchema({ ...doc, $id: DOC_ID }, DOC_ID);
    for (const [template, item] of Object.entries(doc.paths as Record<string, Json>)) {
      const re = new RegExp('^' + template.replace(/\{[^}]+\}/g, '[^/]+') + '$');
      for (const method of Object.keys(item)) this.routes.push({ method, template, re });
    }
  }

  static async load(baseUrl: string): Promise<OpenApiCheck> {
    const res = await fetch(baseUrl + '/api/openapi.json');
    if (res.status !== 200) throw new Error(`/api/openapi.json answered ${res.status}`);
    return new OpenApiCheck((await res.json()) as Json);
  }

  private validator(ref: string): ValidateFunction {
    let v = this.compiled.get(ref);
    if (!v) this.compiled.set(ref, (v = this.ajv.compile({ $ref: `${DOC_ID}#/${ref}` })));
    return v;
  }

  /** Throws, naming the operation, when the exchange does not fit the document. */
  check(x: { method: string; path: string; requestJson?: unknown; status: number; contentType: string | null; responseText?: string }): void {
    const path = x.path.split('?')[0]!;
    const method = x.method.toLowerCase();
    const route = this.routes.find((r) => r.method === method && r.re.test(path));
    if (!route) {
      if (x.status === 404 || x.status === 405) return; // an unknown path answers 404 from the router
      throw new Error(`OpenAPI: ${method.toUpperCase()} ${path} is not in the document`);
    }
    const op = (this.doc.paths as Record<string, Record<string, Json>>)[route.template]![method]!;
    const name = `${method.toUpperCase()} ${route.template}`;
    const responses = op.responses as Record<string, { content?: Record<string, { schema?: unknown }> }>;
    const declared = responses[String(x.status)];
    if (!declared) throw new Error(`OpenAPI: ${name} answered ${x.status}, which the document does not list`);
    if (x.responseText !== undefined && x.contentType?.includes('application/json')) {
      if (!declared.content?.['application/json']?.schema) throw new Error(`OpenAPI: ${name} ${x.status} answered JSON, which the document does not declare`);
      const v = this.validator(pointer('paths', route.template, method, 'responses', String(x.status), 'content', 'application/json', 'schema'));
      if (!v(JSON.parse(x.responseText))) throw new Error(`OpenAPI: ${name} ${x.status} answer does not fit: ${this.ajv.errorsText(v.errors)}`);
    }
    if (x.requestJson !== undefined && x.status < 300) {
      const body = (op.requestBody as { content?: Record<string, unknown> } | undefined)?.content?.['application/json'];
      if (!body) throw new Error(`OpenAPI: ${name} accepted a JSON body the document does not declare`);
      const v = this.validator(pointer('paths', route.template, method, 'requestBody', 'content', 'application/json', 'schema'));
      if (!v(x.requestJson)) throw new Error(`OpenAPI: ${name} request body does not fit: ${this.ajv.errorsText(v.errors)}`);
    }
  }
}
