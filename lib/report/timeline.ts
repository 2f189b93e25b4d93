/**
 * The run as a timeline, from what lib/runRecord.ts recorded and the family summary: lanes
 * (steps packed side by side, the package sources, one lane per job slot and engine, and the images
 * that never ran), one bar per span, and the critical path. Pure: the page and the trace draw it.
 */
import type { Summary } from '../images/summary';
import type { Span, SpanKind } from '../runRecord';

export interface Lane {
  /** 1-based, the trace's thread id */
  id: number;
  /** what the lane belongs to: steps, package sources, images (on an engine), not run */
  group: string;
  name: string;
}

export interface Bar {
  kind: SpanKind;
  name: string;
  lane: number;
  /** ms from the start of the run */
  start: number;
  end: number;
  status: string;
  /** on the critical path: the chain of work the run's end waited for */
  critical: boolean;
  /** an image: ms from the start of the run when the images began (it waited for its parents from then) */
  queued?: number;
  /** an image: ms from the start of the run when its parents were done (it waited for a slot from then) */
  ready?: number;
  args: Record<string, string>;
}

export interface Timeline {
  durationMs: number;
  lanes: Lane[];
  bars: Bar[];
}

/** Steps that overlap go on lanes of their own: each takes the first lane free at its start. */
function packLanes(spans: Span[]): number[] {
  const ends: number[] = [];
  return spans.map((s) => {
    let lane = ends.findIndex((e) => e <= s.start);
    if (lane === -1) lane = ends.push(0) - 1;
    ends[lane] = s.end;
    return lane;
  });
}

/** The last step to end, then the need it waited for longest, and so on; then the images likewise by parent. */
export function criticalSpans(spans: Span[], parents: (image: string) => string[]): Set<Span> {
  const out = new Set<Span>();
  const lastOf = (list: Span[]) => list.reduce<Span | null>((a, b) => (a === null || b.end > a.end ? b : a), null);
  const chain = (from: Span | null, next: (s: Span) => Span[]) => {
    for (let at = from; at && !out.has(at); at = lastOf(next(at))) out.add(at);
  };
  const steps = spans.filter((s) => s.kind === 'step');
  chain(lastOf(steps), (s) => steps.filter((o) => s.needs?.includes(o.name)));
  const images = spans.filter((s) => s.kind === 'image' && s.slot !== undefined);
  chain(lastOf(images), (s) => images.filter((o) => parents(s.name).includes(o.name)));
  return out;
}

export function buildTimeline(spans: Span[], summary: Summary | null, started: number, finished: number): Timeline {
  const ordered = [...spans].sort((a, b) => a.start - b.start || a.end - b.end);
  const parentsOf = new Map((summary?.images ?? []).map((i) => [i.component, i.parents]));
  const parents = (n: string) => parentsOf.get(n) ?? [];
  const critical = criticalSpans(ordered, parents);
  const lanes: Lane[] = [];
  const laneFor = (group: string, name: string) => {
    const found = lanes.find((l) => l.group === group && l.name === name);
    return found ? found.id : lanes.push({ id: lanes.length + 1, group, name });
  };
  const steps = ordered.filter((s) => s.kind === 'step');
  const stepLanes = packLanes(steps);
  const ranImages = ordered.filter((s) => s.kind === 'image' && s.slot !== undefined);
  const imagesFrom = ranImages.length ? Math.min(...ranImages.map((s) => s.start)) : started;
  const endOf = new Map(ranImages.map((s) => [s.name, s.end]));
  // one lane group per engine only when the images ran on more than one
  const engines = new Set(ranImages.map((s) => s.engine ?? ''));
  const rel = (t: number) => Math.max(0, t - started);
  const bars: Bar[] = [];
  for (const s of ordered) {
    let lane: number;
    let ready: number | undefined;
    let queued: number | undefined;
    if (s.kind === 'step') lane = laneFor('steps', `steps ${stepLanes[steps.indexOf(s)] + 1}`);
    else if (s.kind === 'source') lane = laneFor('package sources', 'package sources');
    else if (s.slot === undefined) lane = laneFor('not run', 'blocked');
    else {
      lane = laneFor(engines.size > 1 ? `images on ${s.engine ?? 'the engine'}` : 'images', `slot ${s.slot + 1}`);
      queued = rel(imagesFrom);
      ready = rel(Math.max(imagesFrom, ...parents(s.name).map((p) => endOf.get(p) ?? 0)));
    }
    bars.push({ kind: s.kind, name: s.name, lane, start: rel(s.start), end: rel(s.end), status: s.status, critical: critical.has(s), queued, ready, args: s.args ?? {} });
  }
  // steps first, then the sources, the images' lanes in slot order, what never ran last
  const rank = (l: Lane) => (l.group === 'steps' ? 0 : l.group === 'package sources' ? 1 : l.group === 'not run' ? 3 : 2);
  const sorted = [...lanes].sort((a, b) => rank(a) - rank(b) || a.group.localeCompare(b.group) || a.name.localeCompare(b.name, 'en', { numeric: true }));
  const renumber = new Map(sorted.map((l, i) => [l.id, i + 1]));
  return {
    durationMs: Math.max(rel(finished), ...bars.map((b) => b.end)),
    lanes: sorted.map((l) => ({ ...l, id: renumber.get(l.id)! })),
    bars: bars.map((b) => ({ ...b, lane: renumber.get(b.lane)! })),
  };
}

/** The packages whose change made an image rebuild, from its reason ('package contrail-lib changed, ...'). */
export function rebuildingPackages(why: string): string[] {
  return why.split(', ').flatMap((part) => {
    const m = /^package (.+) (?:changed|added|removed)$/.exec(part);
    return m ? [m[1]] : [];
  });
}
