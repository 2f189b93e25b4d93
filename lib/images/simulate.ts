/**
 * The makespan a family would have on N engines: the real schedule (schedule.ts, placement.ts)
 * run on a virtual clock, with each image taking its measured build time, plus a pull of every
 * parent its engine does not hold. Pure (no timers, no engine): the bench's `simulated` figures
 * and the tests' checks of the placement come from here.
 */
import type { ImageGraph } from './graph';
import { manyEngines, oneEngine } from './placement';
import { runSchedule } from './schedule';

export interface SimulationInput {
  graph: ImageGraph;
  /** measured build time of each image */
  buildMs: (name: string) => number;
  /** what pulling an image onto an engine that lacks it costs */
  pullMs: (name: string) => number;
  engines: number;
  jobsPerEngine: number;
}

export interface SimulationResult {
  makespanMs: number;
  /** engine name -> images built there, in start order */
  perEngine: Map<string, string[]>;
  /** parents pulled by an engine that did not hold them */
  pulls: number;
}

export async function simulate(input: SimulationInput): Promise<SimulationResult> {
  const names = Array.from({ length: input.engines }, (_, i) => `engine-${i + 1}`);
  const placement = input.engines === 1 ? oneEngine(input.jobsPerEngine, names[0]) : manyEngines(names.map((name) => ({ name, jobs: input.jobsPerEngine })));
  // the virtual clock: work waits on a timer that the loop below fires in time order
  let now = 0;
  const timers: { at: number; fire: () => void }[] = [];
  const perEngine = new Map(names.map((n) => [n, [] as string[]]));
  let pulls = 0;
  const work = (name: string, engine: string) => {
    const missing = input.engines === 1 ? [] : input.graph.nodes.get(name)!.parents.filter((p) => !placement.holds(engine, p));
    pulls += missing.length;
    for (const p of missing) placement.record(p, engine);
    const ms = input.buildMs(name) + missing.reduce((sum, p) => sum + input.pullMs(p), 0);
    perEngine.get(engine)!.push(name);
    return new Promise<boolean>((resolve) => timers.push({ at: now + ms, fire: () => resolve(true) }));
  };
  const schedule = runSchedule({ graph: input.graph, jobs: input.jobsPerEngine, estimateMs: input.buildMs, placement, work });
  let finished = false;
  void schedule.then(() => {
    finished = true;
  });
  while (!finished) {
    // let the schedule start what is ready before the clock moves
    await new Promise((r) => setImmediate(r));
    if (finished || timers.length === 0) continue;
    timers.sort((a, b) => a.at - b.at);
    const next = timers.shift()!;
    now = next.at;
    next.fire();
  }
  await schedule;
  return { makespanMs: now, perEngine, pulls };
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
