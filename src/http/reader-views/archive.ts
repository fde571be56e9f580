/** Markup of the public archive: the index, one sent issue's web version, a topic's Atom feed. */
import { escapeHtml } from '../../escape';
import type { SentIssue } from '../../issues/service';
import { formatDate } from '../../rendering/email';
import { itemLinkText } from '../../rendering/link-text';
import { markdownInlineToHtml, markdownToHtml } from '../../rendering/markdown';
import { selectForReader, type TopicInfo } from '../../rendering/select';
import { html, raw } from '../html';
import { page } from '../layout';

export function archiveIndexPage(issues: SentIssue[]): string {
const body = html`<h1>Issues</h1>
${issues.length === 0
  ? html`<p>No issue has been sent yet.</p>`
  : html`<ul class="issues">${issues.map(
      (i) => html`<li><a href="/issues/${i.slug}">${i.title}</a> <span class="muted">· ${formatDate(i.sent_at.toISOString().slice(0, 10))}</span></li>`,
    )}</ul>`}`;
  return page({ title: 'Issues', body });
}

export function issuePage(issue: SentIssue, topics: TopicInfo[]): string {
  const view = selectForReader(issue.document, topics);
  const names = new Map(topics.map((t) => [t.slug, t.name]));
  const body = html`<p><a href="/issues">← All issues</a></p>
<article class="issue">
<h1>${view.title}</h1>
<p class="muted">Sent ${formatDate(issue.sent_at.toISOString().slice(0, 10))}</p>
${view.intro ? raw(markdownToHtml(view.intro)) : ''}
${view.highlights.length
    ? html`<section class="card"><h2>Key highlights</h2>${view.highlights.map(
        (h) => html`<p><strong>${h.topic.name}:</strong> ${raw(markdownInlineToHtml(h.text))}</p>`,
      )}</section>`
    : ''}
${view.sections.map(
    (s) => html`<section><h2>${s.title}</h2>${s.items.map(
      (it) => html`<div class="item" id="${it.anchor}"><h3>${it.number}. ${it.title}</h3>
<p class="muted">${[it.date ? formatDate(it.date) : '', ...it.topics.map((t) => names.get(t) ?? t)].filter(Boolean).join(' · ')}</p>
${it.body ? raw(markdownToHtml(it.body)) : ''}
${it.links?.length ? html`<p>${it.links.map((l, i) => html`${i ? ' · ' : ''}<a href="${l.url}" rel="noopener">${itemLinkText(l.label, l.url, it.title)}</a>`)}</p>` : ''}</div>`,
    )}</section>`,
  )}
</article>
<p class="muted">Topic feeds: ${topics.map((t, i) => html`${i ? ' · ' : ''}<a href="/feeds/${t.slug}.xml">${t.name}</a>`)}</p>`;
  return page({ title: view.title, body });
}

const xml = (v: string) => escapeHtml(v);

export function atomFeed(publicUrl: string, topic: TopicInfo, allTopics: TopicInfo[], issues: SentIssue[]): string {
  const entries = issues.flatMap((issue) => {
    const view = selectForReader(issue.document, allTopics, [topic.slug]);
    const sentAt = issue.sent_at.toISOString();
    return view.sections.flatMap((s) =>
      s.items.map((it) => {
        const url = `${publicUrl}/issues/${issue.slug}#${it.anchor}`;
        const summary = (it.body ? markdownToHtml(it.body) : '') + (it.links ?? []).map((l) => `<p><a href="${escapeHtml(l.url)}">${escapeHtml(l.label)}</a></p>`).join('');
        return `<entry>
<title>${xml(it.title)}</title>
<id>${xml(url)}</id>
<link href="${xml(url)}"/>
<updated>${sentAt}</updated>
${it.date ? `<published>${it.date}T00:00:00Z</published>\n` : ''}${it.topics.length ? it.topics.map((t) => `<category term="${xml(t)}"/>`).join('') : '<category term="general"/>'}
<summary type="html">${xml(summary)}</summary>
</entry>`;
      }),
    );
  });
  const updated = issues[0]?.sent_at.toISOString() ?? new Date(0).toISOString();
  const self = `${publicUrl}/feeds/${topic.slug}.xml`;
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>${xml(`Tidings: ${topic.name}`)}</title>
<id>${xml(self)}</id>
<link rel="self" type="application/atom+xml" href="${xml(self)}"/>
<link rel="alternate" type="text/html" href="${xml(`${publicUrl}/issues`)}"/>
<updated>${updated}</updated>
<author><name>Tidings</name></author>
${entries.join('\n')}
</feed>
`;
}
