/** CSV export in the import's own format (plus status and dates), written page by page. */
import { stringify } from 'csv-stringify/sync';
import type { SubscriberAdmin, SubscriberFilter } from './admin';
import { escapeCell } from './csv-cells';

// timezone last: the import reads it back (an empty cell keeps what the reader has).
export const EXPORT_HEADER = ['email', 'name', 'topics', 'status', 'created_at', 'confirmed_at', 'timezone'];

/** Yields CSV text chunks: the header, then one chunk per page of subscribers. */
export async function* exportCsv(admin: SubscriberAdmin, filter: SubscriberFilter): AsyncGenerator<string> {
  yield stringify([EXPORT_HEADER]);
  for await (const page of admin.exportRows(filter)) {
    yield stringify(
      page.map((r) => [
        escapeCell(r.email), escapeCell(r.name), r.topics.join(';'), r.status,
        r.created_at.toISOString(), r.confirmed_at ? r.confirmed_at.toISOString() : '', r.timezone ?? '',
      ]),
    );
  }
}
