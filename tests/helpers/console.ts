/** Console sign-in over plain HTTP, as a browser does it: the form's double-submit token, then the key. */
import type { TestApp } from './app';

export const cookieOf = (res: Response, name: string): string | undefined =>
  res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));

/** Signs in with `key` (default the app's EDITOR_API_KEY); `cookie` is the session cookie pair when it worked. */
export async function signIn(app: TestApp, key = app.editorKey): Promise<{ res: Response; cookie: string | undefined }> {
  const form = await app.fetch('/admin/sign-in');
  const pre = cookieOf(form, 'tidings_console_pre')!.split(';')[0]!;
  const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
  const res = await app.fetch('/admin/sign-in', {
    method: 'POST',
    headers: { cookie: pre, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: token, key, next: '/admin/issues' }).toString(),
  });
  return { res, cookie: cookieOf(res, 'tidings_console')?.split(';')[0] };
}
