/**
 * The JSON API's one route helper. Each route declares, next to its handler, zod schemas for its
 * path parameters, query, headers and body, and for every answer it gives: the success bodies and
 * the error statuses (all of them `{error: {code, message, field?}}`). The helper validates the
 * input with those schemas before the handler runs, so bad input gets one answer everywhere:
 *
 *   - a value that does not fit its schema → 422 `invalid` (or the schema's own code), `field` naming it;
 *   - a body of the wrong kind altogether (not an object where one is expected) → 400 `bad_body`;
 *   - a key the body does not know → 422 `unknown_field`;
 *   - a path parameter that names nothing (a malformed id) → 404 `not_found`, field `id`, the same
 *     answer as a well-formed id that does not exist. Console pages and the mailbox use the same
 *     parser (`pathId`).
 * The declarations are meant to be complete and true (issue 19 generates OpenAPI from them): with
 * CHECK_API_RESPONSES=1 (the test suite) every JSON answer is checked against its declared schema
 * and every error status against the declared list, and a mismatch is a 500.
 */
import type { Request, RequestHandler, Response, Router } from 'express';
import { z } from 'zod';
import type { EditorAuth } from '../editors/auth';
import type { Editor } from '../editors/keys';
import { AppError, BadRequestError, NotFoundError, ValidationError } from '../errors';
import { currentEditor, requireEditor } from './editor-auth';

/** Every 4xx (src/http/error-handler.ts); an invalid issue document adds `errors`, every problem found. */
export const errorBody = z
  .object({
    error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Error' });

const BAD_ID = 'No such id: ids are positive whole numbers.';

/** A positive id of at most 15 digits: the one id parser. */
export const idParam = z.string().regex(/^[1-9]\d{0,14}$/, { error: BAD_ID }).transform(Number);

/** The id in a path, for routes outside the JSON API (console pages, the mailbox): 404 when malformed. */
export function pathId(raw: unknown): number {
  const r = idParam.safeParse(raw);
  if (!r.success) throw new NotFoundError(BAD_ID, 'id');
  return r.data;
}

/** A whole number in [min, max] from a query string; absent or empty → the default. */
export function intQuery(field: string, def: number | undefined, min: number, max: number) {
  const message = `${field} must be a whole number between ${min} and ${max}.`;
  return z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return def;
      if (!/^\d{1,15}$/.test(v) || Number(v) < min || Number(v) > max) {
        ctx.issues.push({ code: 'custom', message, input: v });
        return z.NEVER;
      }
      return Number(v);
    })
    .meta({ description: message });
}

/** A route's answers: status → JSON body schema (`null` for a body that is not JSON: CSV, HTML, a stream). */
export interface Responses {
  readonly [status: number]: { readonly description: string; readonly schema: z.ZodType | null; readonly contentType?: string };
}

export interface ApiInput<P, Q, H, B> {
  params: P;
  query: Q;
  headers: H;
  body: B;
  /** The editor a bearer key authenticated (routes with `auth: 'editor'`). */
  editor: Editor;
  req: Request;
  res: Response;
}

/** What a handler answers: a JSON body with its status, or nothing when it wrote the answer itself. */
export type Reply = { status: number; json: unknown } | undefined;

export interface ApiRoute<P = unknown, Q = unknown, H = unknown, B = unknown> {
  readonly method: 'get' | 'post' | 'put' | 'delete';
  readonly path: string;
  readonly summary: string;
  /** `editor`: Authorization: Bearer <editor key> (401 without, 429 after too many wrong ones). */
  readonly auth: 'editor' | 'public';
  readonly params?: z.ZodType<P>;
  readonly query?: z.ZodType<Q>;
  readonly headers?: z.ZodType<H>;
  /**
   * The body: its media types, the parsers that read it, and its schema. `validatedBy: 'service'`
   * marks a body the service itself checks (an issue document: every problem at once, 422
   * `invalid_document`); its schema still describes it.
   */
  readonly body?: { readonly types: readonly string[]; readonly parse: RequestHandler[]; readonly schema: z.ZodType<B>; readonly validatedBy?: 'service' };
  readonly responses: Responses;
  /** Error statuses the handler itself may answer (the helper adds those of auth, body and validation). */
  readonly errors: readonly number[];
  /** The error code for a bad value of a top-level field, where it is not `invalid` (e.g. email → invalid_email). */
  readonly codes?: Readonly<Record<string, string>>;
  /** Runs before the input is read (a per-client limit that must count every request). */
  readonly guard?: (req: Request) => Promise<void>;
  readonly handler: (input: ApiInput<P, Q, H, B>) => Promise<Reply>;
}

/** A declared route, its input types erased (what mountApi and issue 19's OpenAPI generator take). */
export type DeclaredRoute = ApiRoute;

/** Typed declaration: the handler's input is inferred from the schemas. */
export function apiRoute<P = unknown, Q = unknown, H = unknown, B = unknown>(route: ApiRoute<P, Q, H, B>): DeclaredRoute {
  return route as unknown as DeclaredRoute;
}

/** Every error status a route can answer, for its declaration and the response check. */
export function errorStatuses(route: ApiRoute): number[] {
  // Any route may meet the database away (restart, failover): 503, never a 500 or a hang.
  const s = new Set<number>([...route.errors, 503]);
  if (route.auth === 'editor') [401, 429].forEach((n) => s.add(n));
  if (route.params) s.add(404);
  if (route.query || route.headers || (route.body && !route.body.validatedBy)) s.add(422);
  if (route.body) [400, 413, 415].forEach((n) => s.add(n));
  return [...s].sort();
}

/** The one translation of a failed parse into an answer. */
export function invalidInput(error: z.ZodError, where: 'params' | 'query' | 'headers' | 'body', codes: Readonly<Record<string, string>> = {}): AppError {
  const issue = error.issues.find((i) => i.code === 'unrecognized_keys') ?? error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const key = String(issue.keys[0]).slice(0, 40);
    return new ValidationError(`Unknown field: ${key}.`, key, 'unknown_field');
  }
  if (where === 'params') return new NotFoundError(issue.message, issue.path.length ? String(issue.path[0]) : undefined);
  if (where === 'body' && issue.path.length === 0 && issue.code === 'invalid_type') {
    return new BadRequestError(issue.message, undefined, 'bad_body');
  }
  // The top-level name: what the client sent and can fix (a list's element is its list).
  const field = issue.path.length ? String(issue.path[0]) : where;
  return new ValidationError(issue.message, field, codes[field] ?? 'invalid');
}

function parse<T>(route: ApiRoute, schema: z.ZodType<T> | undefined, value: unknown, where: 'params' | 'query' | 'headers' | 'body'): T {
  if (!schema) return value as T;
  const r = schema.safeParse(value);
  if (!r.success) throw invalidInput(r.error, where, route.codes);
  return r.data;
}

export interface MountOptions {
  auth: EditorAuth;
  /** CHECK_API_RESPONSES: hold every answer to its declaration (tests). */
  checkResponses: boolean;
}

/** Mounts declared routes on a router. */
export function mountApi(router: Router, routes: readonly DeclaredRoute[], opts: MountOptions): void {
  const editor = requireEditor(opts.auth);
  for (const route of routes) {
    const handlers: RequestHandler[] = [];
    if (route.auth === 'editor') handlers.push(editor);
    const guard = route.guard;
    if (guard) handlers.push((req, _res, next) => void guard(req).then(() => next(), next));
    if (route.body) handlers.push(...route.body.parse);
    const declaredErrors = new Set(errorStatuses(route));
    handlers.push(async (req, res) => {
      try {
        const input: ApiInput<unknown, unknown, unknown, unknown> = {
          params: parse(route, route.params, req.params, 'params'),
          query: parse(route, route.query, req.query, 'query'),
          headers: parse(route, route.headers, req.headers, 'headers'),
          body: route.body?.validatedBy ? req.body : parse(route, route.body?.schema, req.body, 'body'),
          editor: route.auth === 'editor' ? currentEditor(res.locals) : (undefined as unknown as Editor),
          req,
          res,
        };
        const reply = await route.handler(input);
        if (!reply) return;
        if (opts.checkResponses) checkReply(route, reply);
        res.status(reply.status).json(reply.json);
      } catch (err) {
        if (opts.checkResponses && err instanceof AppError && !declaredErrors.has(err.status)) {
          throw new Error(`${route.method.toUpperCase()} ${route.path} answered ${err.status} (${err.code}), which it does not declare`, { cause: err });
        }
        throw err;
      }
    });
    router[route.method](route.path, ...handlers);
  }
}

/** The answer as it goes on the wire (dates as strings) must fit the declared schema. */
function checkReply(route: ApiRoute, reply: { status: number; json: unknown }): void {
  const declared = route.responses[reply.status];
  if (!declared?.schema) throw new Error(`${route.method.toUpperCase()} ${route.path} answered ${reply.status}, which it does not declare as JSON`);
  const wire: unknown = JSON.parse(JSON.stringify(reply.json));
  const r = declared.schema.safeParse(wire);
  if (!r.success) {
    throw new Error(`${route.method.toUpperCase()} ${route.path} ${reply.status} does not match its schema: ${z.prettifyError(r.error)}`);
  }
}
