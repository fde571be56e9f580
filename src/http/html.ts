/**
 * Server-rendered pages use this tagged template: every interpolated value is HTML-escaped unless
 * it is itself the result of `html` (or explicitly `raw`). Escaping is the default, so forgetting
 * it is impossible rather than merely unlikely.
 */
import { escapeHtml } from '../escape';

export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Interpolation = SafeHtml | string | number | boolean | null | undefined | Interpolation[];

function render(v: Interpolation): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof SafeHtml) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  return escapeHtml(v);
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1]!;
  });
  return new SafeHtml(out);
}

/** Trusted markup only (e.g. a rendered email shown in a sandboxed iframe's srcdoc is still escaped). */
export function raw(value: string): SafeHtml {
  return new SafeHtml(value);
}
