/**
 * <workDir>/summary.json: what one buildImages run did to each image, and the table printed at
 * its end. The next run reads each image's last build time from it to order its builds.
 */
import type { ImageOutcome, ImageStatus } from '../steps';
import { formatBytes, formatDuration } from '../text';
import type { ImageGraph } from './graph';
import { criticalPath } from './schedule';

export const SUMMARY_FORMAT = 1;

export interface SummaryImage extends ImageOutcome {
  /** family parents, by component name */
  parents: string[];
  /** how long its last real build took (this run's, or carried over from earlier runs); null: never built here */
  buildMs: number | null;
}

export interface Summary {
  format: typeof SUMMARY_FORMAT;
  version: string;
  os: string;
  /** ISO times */
  started: string;
  finished: string;
  durationMs: number;
  jobs: number;
  noCache: boolean;
  /** the selection (CONTAINERS / --images), null: all */
  select: string[] | null;
  ok: boolean;
  counts: Record<ImageStatus, number>;
  /** the chain of images with the most build time in this run, by component name */
  criticalPath: { images: string[]; ms: number };
  /** parents before children */
  images: SummaryImage[];
}

/** component -> last build duration, from a previous summary.json's text; {} when unreadable. */
export function previousBuildTimes(text: string | null): Record<string, number> {
  if (!text) return {};
  try {
    const s = JSON.parse(text) as Partial<Summary>;
    const out: Record<string, number> = {};
    for (const i of s.images ?? []) {
      if (typeof i?.component === 'string' && typeof i.buildMs === 'number' && i.buildMs > 0) out[i.component] = i.buildMs;
    }
    return out;
  } catch {
    return {};
  }
}

export function countStatuses(images: { status: ImageStatus }[]): Record<ImageStatus, number> {
  const counts: Record<ImageStatus, number> = { built: 0, skipped: 0, failed: 0, blocked: 0 };
  for (const i of images) counts[i.status]++;
  return counts;
}

export interface SummaryRun {
  version: string;
  os: string;
  started: Date;
  finished: Date;
  jobs: number;
  noCache: boolean;
  select: string[] | null;
}

/** summary.json of one run, from its image rows (parents before children). */
export function familySummary(run: SummaryRun, graph: ImageGraph, images: SummaryImage[]): Summary {
  const byName = new Map(images.map((i) => [i.component, i]));
  return {
    format: SUMMARY_FORMAT,
    version: run.version,
    os: run.os,
    started: run.started.toISOString(),
    finished: run.finished.toISOString(),
    durationMs: run.finished.getTime() - run.started.getTime(),
    jobs: run.jobs,
    noCache: run.noCache,
    select: run.select,
    ok: images.every((i) => i.status === 'built' || i.status === 'skipped'),
    counts: countStatuses(images),
    criticalPath: criticalPath(graph, (n) => (byName.get(n)?.status === 'built' ? byName.get(n)!.durationMs : 0)),
    images,
  };
}

/** The end-of-run table, one line per image; an ENGINE column when the images are on more than one engine. */
export function summaryTable(s: Summary): string[] {
  const engines = new Set(s.images.map((i) => i.engine).filter((e) => e !== undefined));
  const spread = engines.size > 1;
  const rows = s.images.map((i) => [
    i.ref,
    i.status,
    i.status === 'built' || i.status === 'failed' ? formatDuration(i.durationMs) : '',
    i.size === null ? '' : formatBytes(i.size),
    i.id ? i.id.replace(/^sha256:/, '').slice(0, 12) : '',
    ...(spread ? [i.engine ?? (i.status === 'skipped' ? 'registry' : '')] : []),
    i.status === 'built' ? '' : (i.reason ?? ''),
  ]);
  const head = ['IMAGE', 'STATUS', 'TIME', 'SIZE', 'ID', ...(spread ? ['ENGINE'] : []), 'WHY'];
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((v, c) => (c === r.length - 1 ? v : v.padEnd(widths[c]))).join('  ').trimEnd();
  const c = s.counts;
  return [
    line(head),
    ...rows.map(line),
    `${c.built} built, ${c.skipped} skipped, ${c.failed} failed, ${c.blocked} blocked in ${formatDuration(s.durationMs)}` +
      (s.criticalPath.images.length && c.built ? `; critical path ${s.criticalPath.images.join(' -> ')} (${formatDuration(s.criticalPath.ms)})` : ''),
  ];
}
