/**
 * The makespan a family would have on N engines: the real schedule (schedule.ts, placement.ts)
 * run on a virtual clock, with each image taking its measured build time, plus a pull of every
 * parent its engine does not hold. Pure (no timers, no engine): the bench's `simulated` figures
 * and the tests' checks of the placement come from here.
 *
 * With `cores`, an engine's builds share its cores: each of k running builds advances at
 * min(1, cores / k) of a core, so an engine given 12 slots on 2 cores runs no faster than its
 * cores allow (a build's `buildMs` is then its work on one core: `workOnOneCore` derives it from a
 * run's measured spans with the same model). Without `cores`, a build takes `buildMs` however
 * many run beside it.
 */
import { descendants, type ImageGraph } from './graph';
import { type EngineSlots, manyEngines, oneEngine } from './placement';
import { runSchedule } from './schedule';

export interface SimulationInput {
  graph: ImageGraph;
  /** measured build time of each image */
  buildMs: (name: string) => number;
  /** what pulling an image onto an engine that lacks it costs */
  pullMs: (name: string) => number;
  engines: number;
  jobsPerEngine: number;
  /** each engine's cores, shared by the builds running on it; absent: builds do not slow each other */
  cores?: number;
  /** the engines by name, each with its builds at once and cores (overrides engines, jobsPerEngine and cores): plan's placement */
  slots?: EngineSlots[];
}

export interface SimulationResult {
  makespanMs: number;
  /** engine name -> images built there, in start order */
  perEngine: Map<string, string[]>;
  /** parents pulled by an engine that did not hold them */
  pulls: number;
}

export async function simulate(input: SimulationInput): Promise<SimulationResult> {
  const slots = input.slots ?? Array.from({ length: input.engines }, (_, i) => ({ name: `engine-${i + 1}`, jobs: input.jobsPerEngine, cores: input.cores }));
  const names = slots.map((s) => s.name);
  const coresOf = new Map(slots.map((s) => [s.name, s.cores]));
  const placement = slots.length === 1 ? oneEngine(slots[0].jobs, names[0]) : manyEngines(slots);
  // the virtual clock: each build first waits for its pulls (the network's time, no core), then
  // does its work at its engine's rate; the loop below moves the clock to the next phase to end
  let now = 0;
  const running: { engine: string; pull: number; left: number; done: () => void }[] = [];
  const perEngine = new Map(names.map((n) => [n, [] as string[]]));
  let pulls = 0;
  const rate = (r: { engine: string; pull: number }) => {
    if (r.pull > 0) return 1;
    const cores = coresOf.get(r.engine);
    if (cores === undefined) return 1;
    const k = running.filter((x) => x.engine === r.engine && x.pull <= 0).length;
    return Math.min(1, cores / k);
  };
  const work = (name: string, engine: string) => {
    const missing = slots.length === 1 ? [] : input.graph.nodes.get(name)!.parents.filter((p) => !placement.holds(engine, p));
    pulls += missing.length;
    for (const p of missing) placement.record(p, engine);
    const pull = missing.reduce((sum, p) => sum + input.pullMs(p), 0);
    perEngine.get(engine)!.push(name);
    return new Promise<boolean>((resolve) => running.push({ engine, pull, left: input.buildMs(name), done: () => resolve(true) }));
  };
  const schedule = runSchedule({ graph: input.graph, jobs: input.jobsPerEngine, estimateMs: input.buildMs, placement, work });
  let finished = false;
  void schedule.then(() => {
    finished = true;
  });
  while (!finished) {
    // let the schedule start what is ready before the clock moves
    await new Promise((r) => setImmediate(r));
    if (finished || running.length === 0) continue;
    const rates = running.map(rate);
    const dt = Math.min(...running.map((r, i) => (r.pull > 0 ? r.pull : r.left / rates[i])));
    now += dt;
    running.forEach((r, i) => {
      if (r.pull > 0) r.pull -= dt;
      else r.left -= rates[i] * dt;
    });
    // every build that ends at this instant ends now (a tolerance for the float arithmetic)
    for (const r of running.filter((x) => x.pull <= 1e-6 && x.left <= 1e-6)) {
      running.splice(running.indexOf(r), 1);
      r.done();
    }
  }
  await schedule;
  return { makespanMs: now, perEngine, pulls };
}

/** A measured build: when it ran (epoch ms). */
export interface MeasuredSpan {
  name: string;
  start: number;
  end: number;
}

/**
 * Each build's work on one core, from when the builds of one engine with `cores` cores ran: over
 * every stretch of time where k builds ran at once, each advanced at min(1, cores / k), the model
 * `simulate` runs with `cores`.
 */
export function workOnOneCore(spans: MeasuredSpan[], cores: number): Map<string, number> {
  const times = [...new Set(spans.flatMap((s) => [s.start, s.end]))].sort((a, b) => a - b);
  const work = new Map(spans.map((s) => [s.name, 0]));
  for (let i = 0; i + 1 < times.length; i++) {
    const [from, to] = [times[i], times[i + 1]];
    const on = spans.filter((s) => s.start <= from && s.end >= to);
    for (const s of on) work.set(s.name, work.get(s.name)! + (to - from) * Math.min(1, cores / on.length));
  }
  return work;
}

/**
 * A family shaped like Tungsten Fabric's: general-base, base on it, then `components` images on
 * base, each with one to three children (in turn), `total` images in all.
 */
export function tfShapedFamily(total = 60, components = 20): { name: string; parents: string[] }[] {
  const out = [{ name: 'general-base', parents: [] as string[] }, { name: 'base', parents: ['general-base'] }];
  for (let c = 1; c <= components; c++) out.push({ name: `component-${c}`, parents: ['base'] });
  // each component one child, and up to two more (1, 2, 0, 1, 2, 0, ...) while the total allows
  let extra = total - out.length - components;
  for (let c = 1; c <= components; c++) {
    const more = Math.max(0, Math.min(c % 3, extra));
    extra -= more;
    for (let j = 1; j <= 1 + more; j++) out.push({ name: `component-${c}-${j}`, parents: [`component-${c}`] });
  }
  return out;
}

/** What a cold run measured of one image: enough to simulate its family. */
export interface MeasuredImage {
  component: string;
  parents: string[];
  buildMs: number;
  /** bytes, for the pull estimate */
  size: number;
}

export interface SimulatedFamily {
  name: string;
  members: { name: string; parents: string[] }[];
  buildMs: (name: string) => number;
  pullMs: (name: string) => number;
}

/**
 * The two families the bench simulates, from one cold run's measurements: the measured family
 * itself, and the TF-shaped 60 whose bases take the measured base's time and whose components and
 * children take the measured non-base images' times in turn. A pull costs the image's share of
 * the measured cold push of the family (`pushMs` for `totalBytes`).
 */
export function measuredFamilies(images: MeasuredImage[], pushMs: number): SimulatedFamily[] {
  const totalBytes = images.reduce((s, i) => s + i.size, 0) || 1;
  const perByte = pushMs / totalBytes;
  const meanSize = totalBytes / Math.max(1, images.length);
  const byName = new Map(images.map((i) => [i.component, i]));
  const roots = images.filter((i) => i.parents.length === 0);
  const baseMs = roots.length ? Math.max(...roots.map((i) => i.buildMs)) : 1;
  const others = images.filter((i) => i.parents.length > 0).map((i) => i.buildMs);
  const tf = tfShapedFamily();
  const tfMs = new Map(tf.map((m, k) => [m.name, m.name.endsWith('base') || others.length === 0 ? baseMs : others[k % others.length]]));
  return [
    {
      name: `${images.length} images (the measured family)`,
      members: images.map((i) => ({ name: i.component, parents: i.parents })),
      buildMs: (n) => byName.get(n)!.buildMs,
      pullMs: (n) => byName.get(n)!.size * perByte,
    },
    { name: `${tf.length} images`, members: tf, buildMs: (n) => tfMs.get(n)!, pullMs: () => meanSize * perByte },
  ];
}

/**
 * No schedule on `cores` cores in all (a build using at most one) finishes sooner than this: the
 * longest chain of work; and for every image, the earliest it can end plus all its descendants'
 * work spread over every core (none of them can start before it ends). The bench prints it beside
 * the simulated figures: how far the scheduler is from the best any could do, pulls aside.
 */
export function lowerBoundMs(graph: ImageGraph, workMs: (name: string) => number, cores: number): number {
  const ends = new Map<string, number>();
  for (const name of graph.order) {
    const node = graph.nodes.get(name)!;
    ends.set(name, Math.max(0, ...node.parents.map((p) => ends.get(p)!)) + workMs(name));
  }
  let bound = Math.max(0, ...ends.values());
  for (const name of graph.order) {
    const below = descendants(graph, name);
    if (below.size) bound = Math.max(bound, ends.get(name)! + [...below].reduce((s, d) => s + workMs(d), 0) / cores);
  }
  return bound;
}
