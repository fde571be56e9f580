/**
 * Views of the click pages: an issue's ranking with a small bar chart per item (people's clicks per
 * topic, server-rendered SVG: no script, no chart library, nothing fetched), and the per-topic view
 * across recent issues. Every chart has its numbers beside it as text, for screen readers and for
 * anyone who prefers numbers.
 */
import type { ClickReport, ItemClicks } from '../../clicks/report';
import type { Topic } from '../../topics';
import { html, type SafeHtml } from '../html';
import { scrollRegion } from '../layout';
import { when } from './views';

export interface Bar {
  label: string;
  value: number;
}

/** Horizontal bars scaled to `max`, as an SVG image whose name says every value. */
export function barChart(title: string, bars: Bar[], max: number): SafeHtml {
  const rowH = 18;
  const width = 160;
  const name = `${title}: ${bars.map((b) => `${b.label} ${b.value}`).join(', ')}`;
  return html`<svg class="bars" role="img" aria-label="${name}" width="${width}" height="${bars.length * rowH}" viewBox="0 0 ${width} ${bars.length * rowH}">
${bars.map((b, i) => html`<rect x="0" y="${i * rowH + 3}" height="${rowH - 6}" width="${max > 0 ? Math.max(b.value > 0 ? 2 : 0, Math.round((b.value / max) * width)) : 0}" class="bar bar-${i % 4}"></rect>`)}
</svg>`;
}

function topicBars(item: { byTopic: Record<string, number> }, topics: Topic[]): Bar[] {
  return topics.map((t) => ({ label: t.name, value: item.byTopic[t.slug] ?? 0 }));
}

const itemLabel = (it: ItemClicks) => `${it.index + 1}. ${it.title}`;

export function clicksView(r: ClickReport, topics: Topic[]): SafeHtml {
  const names = new Map(topics.map((t) => [t.slug, t.name]));
  const setName = (key: string) => key.split(',').map((s) => names.get(s) ?? s).join(' + ');
  const ranked = [...r.items].sort((a, b) => b.human - a.human || a.index - b.index);
  const max = Math.max(0, ...r.items.flatMap((it) => Object.values(it.byTopic)));
  return html`<p><a href="/admin/issues/${r.issueId}/send">← Send report</a></p>
<h1>Clicks: ${r.title}</h1>
${r.tracking === 'off' ? html`<div class="notice" role="status"><p>CLICK_TRACKING is off: new emails carry no counted links.</p></div>` : ''}
<p>Clicks are counted per item, link and the reader’s topics — never per reader (<a href="/admin/clicks">clicks by audience</a>).
Machine clicks (link scanners, HEAD requests, clicks right after delivery) are counted apart.</p>
<dl class="stats"><div class="stat"><dt>People’s clicks</dt><dd id="clicks-human">${r.totals.human}</dd></div>
<div class="stat"><dt>Machine clicks</dt><dd id="clicks-machine">${r.totals.machine}</dd></div></dl>
<p><a href="/admin/issues/${r.issueId}/clicks.csv" download>Download CSV</a></p>
<h2>Items by people’s clicks</h2>
${scrollRegion('Items ranked by clicks', html`<table class="clicks-ranking">
<thead><tr><th scope="col">Rank</th><th scope="col">Item</th><th scope="col">Clicks</th><th scope="col">Per topic</th><th scope="col">Machine</th></tr></thead>
<tbody>${ranked.map(
    (it, i) => html`<tr data-item="${it.index}"><td class="num">${i + 1}</td><th scope="row">${itemLabel(it)}</th><td class="num">${it.human}</td>
<td>${barChart(`Clicks on item ${it.index + 1} per topic`, topicBars(it, topics), max)}
<span class="muted">${topics.map((t) => `${t.name} ${it.byTopic[t.slug] ?? 0}`).join(' · ')}</span></td><td class="num">${it.machine}</td></tr>`,
  )}</tbody></table>`)}
<h2>Per topic set</h2>
${scrollRegion('Clicks per topic set', html`<table><thead><tr><th scope="col">Readers of</th><th scope="col">Clicks</th><th scope="col">Machine</th></tr></thead>
<tbody>${r.topicSets.map((s) => html`<tr><th scope="row">${setName(s.topics)}</th><td class="num">${s.human}</td><td class="num">${s.machine}</td></tr>`)}</tbody></table>`)}
${r.highlights.length ? html`<h2>Highlights</h2>${scrollRegion('Clicks on highlights', html`<table><thead><tr><th scope="col">Highlight</th><th scope="col">Clicks</th><th scope="col">Machine</th></tr></thead>
<tbody>${r.highlights.map((h) => html`<tr><th scope="row">${names.get(h.topic) ?? h.topic}</th><td class="num">${h.human}</td><td class="num">${h.machine}</td></tr>`)}</tbody></table>`)}` : ''}
<h2>Links</h2>
${scrollRegion('Clicks per link', html`<table><thead><tr><th scope="col">Item</th><th scope="col">Link</th><th scope="col">Clicks</th><th scope="col">Machine</th></tr></thead>
<tbody>${r.items.flatMap((it) => it.links.map((l) => html`<tr><td>${itemLabel(it)}</td><td>${l.label === l.url ? l.url : html`${l.label} <span class="muted">${l.url}</span>`}</td><td class="num">${l.human}</td><td class="num">${l.machine}</td></tr>`))}</tbody></table>`)}`;
}

export interface AudienceRow {
  kind: string;
  clicks: number;
}

export function audienceView(o: {
  topic: Topic;
  topics: Topic[];
  last: number;
  kinds: AudienceRow[];
  issues: { id: number; title: string; sentAt: Date | null; clicks: number }[];
  top: { issueId: number; issueTitle: string; title: string; clicks: number }[];
}): SafeHtml {
  const max = Math.max(0, ...o.kinds.map((k) => k.clicks));
  return html`<h1>What ${o.topic.name} readers click</h1>
<form method="get" action="/admin/clicks" class="row filters">
<div><label for="topic">Readers of</label><select id="topic" name="topic">${o.topics.map((t) => html`<option value="${t.slug}"${t.slug === o.topic.slug ? html` selected` : ''}>${t.name}</option>`)}</select></div>
<div><label for="last">Last issues</label><input id="last" name="last" type="number" min="1" max="50" value="${o.last}"></div>
<div><button type="submit">Show</button></div></form>
<p>People’s clicks by readers whose topics include ${o.topic.name}, over the last ${o.issues.length} issues sent, by the kind of item they clicked.</p>
${barChart(`Clicks by ${o.topic.name} readers per kind of item`, o.kinds.map((k) => ({ label: k.kind, value: k.clicks })), max)}
${scrollRegion('Clicks per kind of item', html`<table><thead><tr><th scope="col">Kind of item</th><th scope="col">Clicks</th></tr></thead>
<tbody>${o.kinds.map((k) => html`<tr><th scope="row">${k.kind}</th><td class="num">${k.clicks}</td></tr>`)}</tbody></table>`)}
<h2>Most clicked items</h2>
${o.top.length ? html`<ol>${o.top.map((t) => html`<li>${t.title} <span class="muted">(${t.issueTitle}) — ${t.clicks}</span></li>`)}</ol>` : html`<p class="muted">No clicks yet.</p>`}
<h2>Issues</h2>
${scrollRegion('Issues in this view', html`<table><thead><tr><th scope="col">Issue</th><th scope="col">Sent</th><th scope="col">Clicks</th></tr></thead>
<tbody>${o.issues.map((i) => html`<tr><td><a href="/admin/issues/${i.id}/clicks">${i.title}</a></td><td>${when(i.sentAt)}</td><td class="num">${i.clicks}</td></tr>`)}</tbody></table>`)}`;
}
