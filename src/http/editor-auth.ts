/** `Authorization: Bearer <editor key>` for the editor API; 401 with the error body otherwise. */
import type { RequestHandler } from 'express';
import type { Editor, EditorKeys } from '../editors/keys';
import { UnauthorizedError } from '../errors';

export function requireEditor(keys: EditorKeys): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const editor = match ? await keys.authenticate(match[1]!) : null;
    if (!editor) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="tidings"');
      return next(new UnauthorizedError('A valid editor API key is required (Authorization: Bearer <key>).'));
    }
    res.locals.editor = editor;
    next();
  };
}

/** The editor authenticated by requireEditor (or the console session). */
export function currentEditor(locals: Record<string, unknown>): Editor {
  const editor = locals.editor as Editor | undefined;
  if (!editor) throw new UnauthorizedError('not signed in');
  return editor;
}
