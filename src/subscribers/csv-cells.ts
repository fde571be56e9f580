/**
 * CSV cells that spreadsheets read as text, and back. A cell starting with = + - @ (or tab, CR) is
 * run as a formula by spreadsheet programs (CSV injection), so the export puts an apostrophe in
 * front, which they show as text. The import takes it off again, so re-importing an export changes
 * no name or address. To keep that exact, a value that already starts with apostrophes before such
 * a character gets one more on export (`'=x` → `''=x`), and the import removes exactly one.
 */
const NEEDS_APOSTROPHE = /^'*[=+\-@\t\r]/;
const ESCAPED = /^'+[=+\-@\t\r]/;

export function escapeCell(value: string | null): string {
  if (value === null) return '';
  return NEEDS_APOSTROPHE.test(value) ? `'${value}` : value;
}

export function unescapeCell(value: string | undefined): string | undefined {
  return value !== undefined && ESCAPED.test(value) ? value.slice(1) : value;
}
