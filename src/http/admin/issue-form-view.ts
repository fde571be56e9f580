/** The issue editor form: the structured document as inputs, with errors beside the field they name. */
import type { FieldProblem, IssueDocument, IssueItem } from '../../issues/document';
import type { ItemSuggestion } from '../../issues/document';
import type { Topic } from '../../topics';
import { html, type SafeHtml } from '../html';
import { fieldId, problemsByField } from './issue-form-data';
import { csrfInput } from './views';

export interface IssueFormView {
  action: string;
  csrf: string;
  doc: IssueDocument;
  topics: Topic[];
  problems: FieldProblem[];
  suggestions: ItemSuggestion[] | null;
  submitLabel: string;
}

type Errors = Map<string, string[]>;

function errorText(errors: Errors, path: string): SafeHtml | string {
  const list = errors.get(path);
  return list ? html`<p class="error field-error" id="${fieldId(path)}-error">${list.join('; ')}</p>` : '';
}

function invalid(errors: Errors, path: string): SafeHtml | string {
  return errors.has(path) ? html` aria-invalid="true" aria-describedby="${fieldId(path)}-error"` : '';
}

function text(errors: Errors, path: string, label: string, value: string | undefined, opts: { type?: string; required?: boolean; hint?: string } = {}) {
  return html`<label for="${fieldId(path)}">${label}</label>
<input type="${opts.type ?? 'text'}" id="${fieldId(path)}" name="${path}" value="${value ?? ''}"${opts.required ? html` required` : ''}${invalid(errors, path)}>
${opts.hint ? html`<small class="hint">${opts.hint}</small>` : ''}${errorText(errors, path)}`;
}

function area(errors: Errors, path: string, label: string, value: string | undefined, rows = 3) {
  return html`<label for="${fieldId(path)}">${label}</label>
<textarea id="${fieldId(path)}" name="${path}" rows="${rows}"${invalid(errors, path)}>${value ?? ''}</textarea>${errorText(errors, path)}`;
}

function itemFields(v: IssueFormView, errors: Errors, si: number, ii: number, item: IssueItem): SafeHtml {
  const at = `sections[${si}].items[${ii}]`;
  const suggestion = v.suggestions?.find((s) => s.section === si && s.item === ii);
  const links = item.links?.length ? item.links : [];
  return html`<fieldset class="item" data-item>
<legend>Item ${ii + 1}</legend>
${text(errors, `${at}.title`, 'Title', item.title, { required: true })}
<div class="row">
<div>${text(errors, `${at}.date`, 'Date', item.date, { type: 'date' })}</div>
</div>
<fieldset class="topics" id="${fieldId(`${at}.topics`)}"${invalid(errors, `${at}.topics`)}>
<legend>Topics <small class="hint">none ticked = general news, for every reader</small></legend>
${v.topics.map(
  (t) => html`<label class="check inline"><input type="checkbox" name="${at}.topics" value="${t.slug}"${item.topics.includes(t.slug) ? html` checked` : ''}> ${t.name}</label>`,
)}
${suggestion ? html`<p class="suggestion">Suggested by the importer: <strong>${suggestion.topics.length ? suggestion.topics.join(', ') : 'general'}</strong>${suggestion.matched.length ? html` <span class="muted">(matched ${suggestion.matched.join(', ')})</span>` : ''}. Confirm or change, then save.</p>` : ''}
${errorText(errors, `${at}.topics`)}
</fieldset>
${area(errors, `${at}.body`, 'Body (Markdown)', item.body, 4)}
<div class="links" data-links>
${links.map(
  (l, li) => html`<div class="row link-row">
<div>${text(errors, `${at}.links[${li}].label`, 'Link label', l.label)}</div>
<div>${text(errors, `${at}.links[${li}].url`, 'URL', l.url, { type: 'url' })}</div></div>${errorText(errors, `${at}.links[${li}]`)}`,
)}
</div>
${errorText(errors, `${at}.links`)}
<div class="row">
<button type="submit" class="secondary small" name="op" value="add-link:${si}:${ii}" formnovalidate data-op="add-link">Add link</button>
<button type="submit" class="secondary small" name="op" value="remove-item:${si}:${ii}" formnovalidate data-op="remove-item">Remove item</button>
</div>
${errorText(errors, at)}
</fieldset>`;
}

export function issueForm(v: IssueFormView): SafeHtml {
  const errors = problemsByField(v.problems);
  const d = v.doc;
  return html`${v.problems.length
    ? html`<div class="errors" role="alert" id="form-errors"><p><strong>${v.problems.length === 1 ? 'One problem' : `${v.problems.length} problems`} to fix:</strong></p>
<ul>${v.problems.map((p) => html`<li><a href="#${fieldId(p.field.replace(/\.topics\[\d+\]$/, '.topics'))}">${p.field}</a>: ${p.message}</li>`)}</ul></div>`
    : ''}
<form method="post" action="${v.action}" class="issue-form" novalidate>
${csrfInput(v.csrf)}
<button type="submit" name="op" value="save" class="hp" tabindex="-1" aria-hidden="true">${v.submitLabel}</button>
<div class="card">
${text(errors, 'title', 'Title', d.title, { required: true })}
${text(errors, 'slug', 'Slug', d.slug, { required: true, hint: 'lowercase letters, digits and hyphens; the web version lives at /issues/<slug>' })}
${text(errors, 'subject', 'Subject (optional; defaults to the title)', d.subject)}
${area(errors, 'intro', 'Intro (Markdown, optional)', d.intro)}
${errorText(errors, 'document')}
</div>
<fieldset class="card"><legend>Highlights per topic</legend>
${v.topics.map((t) => area(errors, `highlights.${t.slug}`, t.name, d.highlights?.[t.slug], 2))}
</fieldset>
${errorText(errors, 'sections')}
<div data-sections>
${d.sections.map(
  (s, si) => html`<fieldset class="section card" data-section>
<legend>Section ${si + 1}</legend>
${text(errors, `sections[${si}].title`, 'Section title', s.title, { required: true })}
${errorText(errors, `sections[${si}].items`)}
<div data-items>${s.items.map((item, ii) => itemFields(v, errors, si, ii, item))}</div>
<div class="row">
<button type="submit" class="secondary small" name="op" value="add-item:${si}" formnovalidate data-op="add-item">Add item</button>
<button type="submit" class="secondary small" name="op" value="remove-section:${si}" formnovalidate data-op="remove-section">Remove section</button>
</div>${errorText(errors, `sections[${si}]`)}
</fieldset>`,
)}
</div>
<p class="row"><button type="submit" class="secondary" name="op" value="add-section" formnovalidate data-op="add-section">Add section</button></p>
<p class="row sticky-actions"><button type="submit" name="op" value="save">${v.submitLabel}</button></p>
</form>`;
}
