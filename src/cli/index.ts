/**
 * `npm run cli -- <command>`:
 *   keys create <name> [--email <address>]   new editor API key, printed once (only its hash is kept)
 *   keys list                                 prefixes, owners, last use, revocation
 *   keys revoke <id>
 *   issues import <file> [--slug <slug>] [--format markdown|text] [--dry-run]
 *                                             import a newsletter as a draft; prints items + suggested topics
 *   issues list
 */
import { readFileSync } from 'node:fs';
import { CLI_ACTOR } from '../editors/audit';
import { AppError } from '../errors';
import type { ImportFormat } from '../issues/importers';
import { exitForStartFailure } from '../boot';
import { withContainer } from './bootstrap';
import { table } from './table';

const USAGE = `Usage: npm run cli -- <command>
  keys create <name> [--email <address>]
  keys list
  keys revoke <id>
  issues import <file> [--slug <slug>] [--format markdown|text] [--dry-run]
  issues list`;

class UsageError extends Error {}

function parseArgs(argv: string[]): { positional: string[]; flags: Map<string, string | true> } {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const name = a.slice(2);
      const next = argv[i + 1];
      if (name === 'dry-run') flags.set(name, true);
      else if (next === undefined || next.startsWith('--')) throw new UsageError(`--${name} needs a value`);
      else {
        flags.set(name, next);
        i++;
      }
    } else positional.push(a);
  }
  return { positional, flags };
}

const str = (v: string | true | undefined) => (typeof v === 'string' ? v : undefined);
const day = (d: Date | null) => (d ? d.toISOString().slice(0, 16).replace('T', ' ') : '');

async function run(argv: string[]): Promise<void> {
  const { positional, flags } = parseArgs(argv);
  const [group, cmd, arg] = positional;
  const command = `${group ?? ''} ${cmd ?? ''}`.trim();
  switch (command) {
    case 'keys create': {
      if (!arg) throw new UsageError('keys create needs a name');
      await withContainer(async (c) => {
        const { editor, key } = await c.editorKeys.create(arg, str(flags.get('email')));
        console.log(`Editor "${editor.name}" (id ${editor.id}). API key — shown once, store it now:\n\n  ${key}\n`);
      });
      return;
    }
    case 'keys list':
      await withContainer(async (c) => {
        const rows = await c.editorKeys.list();
        console.log(table(['id', 'editor', 'prefix', 'created', 'last used', 'revoked'], rows.map((k) => [String(k.id), k.editor, k.origin === 'env' ? '(EDITOR_API_KEY)' : `${k.key_prefix}…`, day(k.created_at), day(k.last_used_at), day(k.revoked_at)])));
      });
      return;
    case 'keys revoke': {
      if (!arg || !/^\d+$/.test(arg)) throw new UsageError('keys revoke needs a numeric key id (see keys list)');
      await withContainer(async (c) => {
        console.log((await c.editorKeys.revoke(Number(arg))) ? `Key ${arg} revoked.` : `No active key ${arg}.`);
      });
      return;
    }
    case 'issues import': {
      if (!arg) throw new UsageError('issues import needs a file');
      const format = (str(flags.get('format')) ?? (/\.(md|markdown)$/i.test(arg) ? 'markdown' : 'auto')) as ImportFormat;
      if (!['markdown', 'text', 'auto'].includes(format)) throw new UsageError('--format is markdown or text');
      const source = readFileSync(arg, 'utf8');
      await withContainer(async (c) => {
        const slug = str(flags.get('slug'));
        // A real import goes through the same use case as the API and the console (audited, as `cli`).
        const { imported, created } = flags.has('dry-run')
          ? { imported: await c.importers.import(source, format, { slug }), created: undefined }
          : await c.issues.importDraft(source, format, { slug, by: CLI_ACTOR });
        const suggested = new Map(imported.suggestions.map((s) => [`${s.section}:${s.item}`, s]));
        let n = 0;
        const rows = imported.document.sections.flatMap((s, si) =>
          s.items.map((it, ii) => {
            const sug = suggested.get(`${si}:${ii}`);
            return [String(++n), s.title, it.date ?? '', it.title.length > 70 ? it.title.slice(0, 69) + '…' : it.title, it.topics.join(', ') || '(general)', sug ? `suggested${sug.matched.length ? ': ' + sug.matched.slice(0, 4).join(', ') : ''}` : 'given'];
          }),
        );
        console.log(table(['#', 'section', 'date', 'title', 'topics', 'why'], rows));
        console.log(`\nHighlights: ${Object.keys(imported.document.highlights ?? {}).join(', ') || 'none'}`);
        if (!created) {
          console.log('Dry run: nothing stored.');
          return;
        }
        console.log(`Draft issue ${created.id} "${created.slug}" created. Check the topics, then preview: GET /api/issues/${created.id}/variants`);
      });
      return;
    }
    case 'issues list':
      await withContainer(async (c) => {
        const rows = await c.issues.list();
        console.log(table(['id', 'slug', 'status', 'items', 'updated', 'sent'], rows.map((i) => [String(i.id), i.slug, i.status, String(i.item_count), day(i.updated_at), day(i.sent_at)])));
      });
      return;
    default:
      throw new UsageError(command ? `unknown command "${command}"` : 'no command given');
  }
}

run(process.argv.slice(2)).then(
  () => process.exit(0),
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n\n${USAGE}`);
      process.exit(2);
    }
    if (err instanceof AppError) {
      const problems = (err as AppError & { problems?: { field: string; message: string }[] }).problems;
      console.error(problems ? problems.map((p) => `${p.field}: ${p.message}`).join('\n') : err.message);
      process.exit(1);
    }
    exitForStartFailure(err);
  },
);
