/**
 * Import entry: picks the format, runs the importer with the current topics and the keyword model,
 * and validates the result like any other document (so an import never stores what an API call
 * could not). Returns the document and what was suggested per item.
 */
import type { Topics } from '../topics';
import { validateDocument } from './document';
import { importMarkdown, looksLikeMarkdown } from './import-markdown';
import { importPlainText, type ImportResult } from './import-text';
import { TopicSuggester } from './suggest';

export type ImportFormat = 'markdown' | 'text' | 'auto';

export const IMPORT_LIMIT_BYTES = 512 * 1024;

export class Importers {
  constructor(private readonly topics: Topics) {}

  async import(source: string, format: ImportFormat, opts: { slug?: string } = {}): Promise<ImportResult & { format: 'markdown' | 'text' }> {
    const topics = await this.topics.list();
    const slugs = topics.map((t) => t.slug);
    const suggester = new TopicSuggester(undefined, slugs);
    const chosen = format === 'auto' ? (looksLikeMarkdown(source) ? 'markdown' : 'text') : format;
    const result =
      chosen === 'markdown'
        ? importMarkdown(source, suggester, opts)
        : importPlainText(source, suggester, new Map(topics.map((t) => [t.slug, t.name])), opts);
    return { document: validateDocument(result.document, slugs), suggestions: result.suggestions, format: chosen };
  }
}
