/** CSV export in the import's own format (plus status and dates), written page by page. */
import { stringify } from 'csv-stringify/sync';
import type { SubscriberAdmin, SubscriberFilter } from './admin';

export const EXPORT_HEADER = ['email', 'name', 'topics', 'status', 'created_at', 'confirmed_at'];

// A cell starting with one of these is run as a formula by spreadsheet programs (CSV injection);
// a leading apostrophe makes them show the text instead.
const FORMULA = /^[=+\-@\t\r]/;
const cell = (v: string | null) => (v === null ? '' : FORMULA.test(v) ? `'${v}` : v);

/** Yields CSV text chunks: the header, then one chunk per page of subscribers. */
export async function* exportCsv(admin: SubscriberAdmin, filter: SubscriberFilter): AsyncGenerator<string> {
  yield stringify([EXPORT_HEADER]);
  for await (const page of admin.exportRows(filter)) {
    yield stringify(
      page.map((r) => [
        cell(r.email), cell(r.name), r.topics.join(';'), r.status,
        r.created_at.toISOString(), r.confirmed_at ? r.confirmed_at.toISOString() : '',
      ]),
    );
  }
}
