/**
 * report.html: one self-contained page (no script, no network; the style inline) with the run's
 * timeline as plain SVG, the family's table (failures first, with the tail of their log), the
 * totals the console prints and the run's config. Pure: text in, text out.
 */
import * as path from 'node:path';
import type { Summary, SummaryImage } from '../images/summary';
import { summaryTable } from '../images/summary';
import { formatBytes, formatDuration } from '../text';
import { type Bar, rebuildingPackages, type Timeline } from './timeline';

export interface PageFacts {
  title: string;
  /** ISO time */
  started: string;
  /** 'done', 'failed (exit 1)', 'interrupted (exit 130)', ... */
  outcome: string;
  ok: boolean;
  /** the error the run ended with, redacted */
  error: string | null;
  timeline: Timeline;
  summary: Summary | null;
  /** redacted */
  config: unknown;
  workDir: string;
  /** component -> the last lines of its log (failed images) */
  logTails: Record<string, string[]>;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1f2937;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}
.meta{color:#4b5563}.bad{color:#b91c1c}.good{color:#15803d}
pre{background:#f3f4f6;padding:8px;overflow:auto;font-size:12px;margin:4px 0}
table{border-collapse:collapse;font-size:13px}td,th{border-bottom:1px solid #e5e7eb;padding:4px 8px;text-align:left;vertical-align:top}
tr.failed td{background:#fef2f2}tr.blocked td{background:#fffbeb}
svg text{font:11px system-ui,sans-serif;fill:#1f2937}svg .group{font-weight:bold}
svg .grid{stroke:#e5e7eb}svg .lane{fill:#f9fafb}
.bar.step.ok{fill:#6366f1}.bar.source.ok{fill:#8b5cf6}.bar.source.skipped{fill:#c4b5fd}
.bar.image.built{fill:#3b82f6}.bar.image.skipped{fill:#9ca3af}.bar.image.registry{fill:#14b8a6}
.bar.failed{fill:#dc2626}.bar.image.blocked{fill:#f59e0b}
.bar.critical{stroke:#111827;stroke-width:2.5}
.wait{stroke:#9ca3af;stroke-width:2;stroke-dasharray:3 2}
.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:-2px}
`;

const LEGEND: [string, string][] = [
  ['#6366f1', 'step'], ['#8b5cf6', 'package source built'], ['#c4b5fd', 'package source skipped'], ['#3b82f6', 'image built'],
  ['#9ca3af', 'image skipped (up to date)'], ['#14b8a6', 'image from the registry'], ['#dc2626', 'failed'], ['#f59e0b', 'blocked'],
];

const W = 1200;
const LABEL = 170;
const CHART = W - LABEL - 20;
const ROW = 24;
const HEAD = 20;
const AXIS = 24;

/** A tick every 1, 2 or 5 × 10^k ms, about eight across. */
function tickStep(ms: number): number {
  const raw = Math.max(ms, 1) / 8;
  const mag = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
}

const barClass = (b: Bar) =>
  ['bar', b.kind, b.kind === 'image' && b.args.how === 'from the registry' ? 'registry' : b.status, b.critical ? 'critical' : ''].filter(Boolean).join(' ');

function barTitle(b: Bar): string {
  const lines = [`${b.args.image ?? b.name}: ${b.status}${b.critical ? ' (critical path)' : ''}`, `${formatDuration(b.end - b.start)} from ${formatDuration(b.start)}`];
  if (b.queued !== undefined && b.ready !== undefined && b.ready > b.queued) lines.push(`waited ${formatDuration(b.ready - b.queued)} for its parents`);
  if (b.ready !== undefined && b.start > b.ready) lines.push(`waited ${formatDuration(b.start - b.ready)} for a job slot`);
  if (b.args.why) lines.push(`why: ${b.args.why}`);
  if (b.args.hash) lines.push(`input hash ${b.args.hash.slice(0, 12)}`);
  return lines.join('\n');
}

/** The Gantt chart: a header per lane group, a row per lane, a bar per span, labels where they fit. */
export function timelineSvg(t: Timeline): string {
  const dur = Math.max(t.durationMs, 1);
  const x = (ms: number) => LABEL + (ms / dur) * CHART;
  const out: string[] = [];
  const laneY = new Map<number, number>();
  let y = AXIS;
  let group = '';
  for (const l of t.lanes) {
    if (l.group !== group) {
      group = l.group;
      out.push(`<text class="group" x="4" y="${y + 14}">${esc(group)}</text>`);
      y += HEAD;
    }
    laneY.set(l.id, y);
    out.push(`<rect class="lane" x="${LABEL}" y="${y}" width="${CHART}" height="${ROW - 2}"/><text x="16" y="${y + 15}">${esc(l.name)}</text>`);
    y += ROW;
  }
  const step = tickStep(dur);
  const ticks: string[] = [];
  for (let ms = 0; ms <= dur; ms += step) {
    ticks.push(`<line class="grid" x1="${x(ms)}" y1="${AXIS - 4}" x2="${x(ms)}" y2="${y}"/><text x="${x(ms) + 2}" y="${AXIS - 8}">${esc(formatDuration(ms))}</text>`);
  }
  for (const b of t.bars) {
    const top = laneY.get(b.lane)! + 3;
    const x0 = x(b.start);
    const w = Math.max(x(b.end) - x0, 3);
    if (b.ready !== undefined && b.start > b.ready) out.push(`<line class="wait" x1="${x(b.ready)}" y1="${top + 1}" x2="${x0}" y2="${top + 1}"/>`);
    out.push(`<rect class="${barClass(b)}" data-kind="${b.kind}" data-name="${esc(b.name)}" x="${x0.toFixed(1)}" y="${top}" width="${w.toFixed(1)}" height="${ROW - 8}" rx="2"><title>${esc(barTitle(b))}</title></rect>`);
    out.push(barLabel(t, b, x0, w, top, x));
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y + 4}" viewBox="0 0 ${W} ${y + 4}" role="img" aria-label="timeline of the run">${ticks.join('')}${out.join('')}</svg>`;
}

/**
 * A bar's name inside it when it fits, else after it up to the next bar in its lane, else before
 * it back to the previous one (cut short when the room is short).
 */
function barLabel(t: Timeline, b: Bar, x0: number, w: number, top: number, x: (ms: number) => number): string {
  const chars = (px: number) => Math.floor(px / 6.3);
  const fit = (room: number) => (b.name.length <= room ? b.name : `${b.name.slice(0, room - 1)}…`);
  if (chars(w - 6) >= b.name.length) return `<text x="${x0 + 3}" y="${top + 12}" style="fill:#fff">${esc(b.name)}</text>`;
  const others = t.bars.filter((o) => o.lane === b.lane && o !== b);
  const next = others.filter((o) => o.start >= b.end).reduce((m, o) => Math.min(m, x(o.start)), LABEL + CHART);
  const after = chars(next - (x0 + w) - 6);
  const previous = others.filter((o) => o.end <= b.start).reduce((m, o) => Math.max(m, x(o.end)), LABEL);
  const before = chars(x0 - previous - 6);
  if (Math.max(after, before) < 3) return '';
  if (after >= Math.min(before, b.name.length)) return `<text x="${x0 + w + 3}" y="${top + 12}">${esc(fit(after))}</text>`;
  return `<text x="${x0 - 3}" y="${top + 12}" text-anchor="end">${esc(fit(before))}</text>`;
}

const STATUS_ORDER: Record<string, number> = { failed: 0, blocked: 1, built: 2, skipped: 3 };

/** The family, failures first: status, why, time, waited, size, parents, the packages that made it rebuild, its log. */
export function familyTable(s: Summary, t: Timeline, workDir: string, tails: Record<string, string[]>): string {
  const refOf = new Map(s.images.map((i) => [i.component, i.ref]));
  const barOf = new Map(t.bars.filter((b) => b.kind === 'image').map((b) => [b.name, b]));
  const rows = [...s.images].sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status]);
  const cell = (v: string) => `<td>${v}</td>`;
  const line = (i: SummaryImage) => {
    const bar = barOf.get(i.component);
    const waited = bar?.ready !== undefined ? Math.max(0, bar.start - bar.ready) : null;
    const log = path.relative(workDir, i.log);
    const tail = tails[i.component] ?? [];
    return `<tr class="${i.status}" data-image="${esc(i.component)}">` + [
      esc(i.ref), esc(i.how === 'from the registry' ? 'skipped (from the registry)' : i.status), esc(i.reason ?? ''),
      i.status === 'built' || i.status === 'failed' ? esc(formatDuration(i.durationMs)) : '',
      waited === null ? '' : esc(formatDuration(waited)), i.size === null ? '' : esc(formatBytes(i.size)),
      esc(i.parents.map((p) => refOf.get(p) ?? p).join(', ')), esc(rebuildingPackages(i.reason ?? '').join(', ')),
      `<a href="${esc(log.split(path.sep).map(encodeURIComponent).join('/'))}">${esc(path.basename(i.log))}</a>`,
    ].map(cell).join('') + '</tr>' +
      (i.status === 'failed' && tail.length ? `<tr class="failed tail"><td colspan="9"><pre>${esc(tail.join('\n'))}</pre></td></tr>` : '');
  };
  const head = ['image', 'status', 'why', 'time', 'waited', 'size', 'parent', 'packages that made it rebuild', 'log'].map((h) => `<th>${h}</th>`).join('');
  return `<table class="family"><thead><tr>${head}</tr></thead><tbody>${rows.map(line).join('')}</tbody></table>`;
}

function stepsTable(t: Timeline): string {
  const rows = t.bars.filter((b) => b.kind !== 'image').map((b) =>
    `<tr class="${esc(b.status)}"><td>${esc(b.kind === 'step' ? b.name : `package ${b.name}`)}</td><td>${esc(b.status)}</td><td>${esc(formatDuration(b.end - b.start))}</td><td>${esc(b.args.why ?? '')}</td></tr>`);
  return `<table class="steps"><thead><tr><th>step or source</th><th>status</th><th>time</th><th>why</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export function reportPage(f: PageFacts): string {
  const totals = f.summary ? summaryTable(f.summary).slice(-1) : [];
  const critical = f.timeline.bars.filter((b) => b.critical).map((b) => b.name);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${esc(f.title)}</title><style>${STYLE}</style></head><body>
<h1>${esc(f.title)}</h1>
<p class="meta">started ${esc(f.started)}, ${esc(formatDuration(f.timeline.durationMs))}: <b class="${f.ok ? 'good' : 'bad'}">${esc(f.outcome)}</b></p>
${f.error ? `<pre class="bad error">${esc(f.error)}</pre>` : ''}
${totals.map((l) => `<p class="totals">${esc(l)}</p>`).join('')}
<h2>Timeline</h2>
<p class="legend">${LEGEND.map(([c, n]) => `<span style="background:${c}"></span>${esc(n)}`).join('')}<span style="border:2.5px solid #111827;width:8px;height:8px"></span>critical path${critical.length ? `: ${esc(critical.join(' → '))}` : ''}</p>
${timelineSvg(f.timeline)}
${f.summary ? `<h2>Images</h2>${familyTable(f.summary, f.timeline, f.workDir, f.logTails)}` : ''}
<h2>Steps and package sources</h2>${stepsTable(f.timeline)}
<h2>Config</h2><pre class="config">${esc(JSON.stringify(f.config, null, 2))}</pre>
</body></html>
`;
}
