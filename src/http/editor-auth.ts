/**
 * `Authorization: Bearer <editor key>` for the editor API; 401 with the error body otherwise, 429
 * once the client's address has used up its attempts (src/editors/auth.ts).
 */
import type { RequestHandler } from 'express';
import type { EditorAuth } from '../editors/auth';
import type { Editor } from '../editors/keys';
import { UnauthorizedError } from '../errors';
import { clientKey } from './reader-context';

export function requireEditor(auth: EditorAuth): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    try {
      // No key presented is not a guess: refused without counting.
      if (!match) throw new UnauthorizedError('A valid editor API key is required (Authorization: Bearer <key>).');
      res.locals.editor = await auth.bearer(match[1]!, clientKey(req));
      next();
    } catch (err) {
      if (err instanceof UnauthorizedError) res.setHeader('WWW-Authenticate', 'Bearer realm="tidings"');
      next(err);
    }
  };
}

/** The editor authenticated by requireEditor (or the console session). */
export function currentEditor(locals: Record<string, unknown>): Editor {
  const editor = locals.editor as Editor | undefined;
  if (!editor) throw new UnauthorizedError('not signed in');
  return editor;
}
