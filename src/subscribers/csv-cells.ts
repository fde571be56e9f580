/**
 * CSV cells that spreadsheets read as text, and back. A cell starting with = + - @ (or tab, CR) is
 * run as a formula by spreadsheet programs (CSV injection), so the export puts an apostrophe in
 * front, which they show as text. The import takes it off again, so re-importing an export changes
 * no name or address. To keep that exact, a value that already starts with apostrophes before such
 * a character gets one more on export (`'=x` → `''=x`), and the import removes exactly one.
 */
import { parse } from 'csv-parse/sync';
import { AppError, BadRequestError } from '../errors';

const NEEDS_APOSTROPHE = /^'*[=+\-@\t\r]/;
const ESCAPED = /^'+[=+\-@\t\r]/;

export function escapeCell(value: string | null): string {
  if (value === null) return '';
  return NEEDS_APOSTROPHE.test(value) ? `'${value}` : value;
}

export function unescapeCell(value: string | undefined): string | undefined {
  return value !== undefined && ESCAPED.test(value) ? value.slice(1) : value;
}

/**
 * The rows of an uploaded CSV, each with its line number for the report. The header names the
 * columns (trimmed, lower case); `headerProblem` says what is wrong with it, if anything. A file
 * csv-parse cannot read becomes a 400 naming the line, never a 500.
 */
export function readCsvRows<R>(text: string, headerProblem: (cols: string[]) => string | null): { record: R; line: number }[] {
  try {
    const out = parse(text, {
      bom: true,
      columns: (header: string[]) => {
        const cols = header.map((h) => h.trim().toLowerCase());
        const problem = headerProblem(cols);
        if (problem) throw new BadRequestError(problem, 'header', 'bad_csv');
        return cols;
      },
      skip_empty_lines: true,
      relax_column_count: true,
      max_record_size: 4096,
      info: true,
    }) as { record: R; info: { lines: number } }[];
    return out.map((r) => ({ record: r.record, line: r.info.lines }));
  } catch (err) {
    if (err instanceof AppError) throw err;
    const line = (err as { lines?: number }).lines;
    throw new BadRequestError(`The CSV could not be read${line ? ` (line ${line})` : ''}: ${(err as Error).message.slice(0, 200)}`, 'body', 'bad_csv');
  }
}
