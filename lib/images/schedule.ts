/**
 * Runs the builds of an image graph: up to `jobs` at once, a child only after its parents, and
 * among the ready images the one with the longest chain of work behind it first, so the critical
 * path starts as early as it can. A failed image blocks its descendants; other branches go on.
 */
import type { ImageGraph } from './graph';
import { oneEngine, type Placement } from './placement';

/** What `work` answers when the engine it built on stopped answering: the image is built again elsewhere. */
export const ENGINE_LOST = 'engine lost' as const;

/** For each image: the work on the longest chain from it down to a leaf (itself included). */
export function chainWork(graph: ImageGraph, weightMs: (name: string) => number): Map<string, { ms: number; next: string | null }> {
  const out = new Map<string, { ms: number; next: string | null }>();
  for (const name of [...graph.order].reverse()) {
    let best: { ms: number; next: string | null } = { ms: 0, next: null };
    for (const c of graph.nodes.get(name)!.children) {
      const w = out.get(c)!.ms;
      if (w > best.ms) best = { ms: w, next: c };
    }
    out.set(name, { ms: weightMs(name) + best.ms, next: best.next });
  }
  return out;
}

/** The chain of images with the most work along it. */
export function criticalPath(graph: ImageGraph, weightMs: (name: string) => number): { images: string[]; ms: number } {
  const chains = chainWork(graph, weightMs);
  let start: string | null = null;
  for (const name of graph.order) {
    if (graph.nodes.get(name)!.parents.length) continue;
    if (start === null || chains.get(name)!.ms > chains.get(start)!.ms) start = name;
  }
  const images: string[] = [];
  for (let at = start; at !== null; at = chains.get(at)!.next) images.push(at);
  return { images, ms: start === null ? 0 : chains.get(start)!.ms };
}

/**
 * How long an image will take: its last build's duration, else the mean of the known ones
 * (else 1 ms, so that with nothing known the longest chain by count goes first).
 */
export function estimator(known: Record<string, number>): (name: string) => number {
  const values = Object.values(known).filter((v) => Number.isFinite(v) && v > 0);
  const mean = values.length ? values.reduce((a, b) => a + b, 0) / values.length : 1;
  return (name) => (Number.isFinite(known[name]) && known[name] > 0 ? known[name] : mean);
}

export interface ScheduleOptions {
  graph: ImageGraph;
  jobs: number;
  estimateMs: (name: string) => number;
  /** where each image builds (placement.ts); default: every image on one engine, `jobs` at once */
  placement?: Placement;
  /** builds (or skips) one image on `engine`; resolves false or rejects when it failed, ENGINE_LOST when the engine did */
  work: (name: string, engine: string) => Promise<boolean | typeof ENGINE_LOST>;
  /** when aborted, nothing new starts; running work finishes */
  signal?: AbortSignal;
  onStart?: (name: string, engine: string) => void;
  onBlocked?: (name: string, by: string) => void;
  /** `engine` stopped answering while it built `name`, which goes back to the queue */
  onEngineLost?: (engine: string, name: string) => void;
}

export interface ScheduleResult {
  /** in the order they were started */
  started: string[];
  ok: Set<string>;
  failed: Map<string, unknown>;
  /** image -> the failed ancestor that blocked it */
  blocked: Map<string, string>;
  /** not started because the run was aborted */
  cancelled: Set<string>;
  /** image -> the engine that made it */
  engineOf: Map<string, string>;
  /** engines that stopped answering during the run */
  lost: Set<string>;
}

export async function runSchedule(options: ScheduleOptions): Promise<ScheduleResult> {
  const { graph, signal } = options;
  const placement = options.placement ?? oneEngine(options.jobs);
  const priority = chainWork(graph, options.estimateMs);
  const result: ScheduleResult = { started: [], ok: new Set(), failed: new Map(), blocked: new Map(), cancelled: new Set(), engineOf: new Map(), lost: new Set() };
  const waiting = new Set(graph.order);
  const running = new Map<string, { engine: string; done: Promise<void> }>();

  const isReady = (name: string) => graph.nodes.get(name)!.parents.every((p) => result.ok.has(p));
  const busy = (engine: string) => [...running.values()].filter((r) => r.engine === engine).length;
  const freeEngines = () => placement.engines.filter((e) => !result.lost.has(e.name) && busy(e.name) < e.jobs)
    .map((e) => ({ engine: e.name, room: e.jobs - busy(e.name) }));
  const block = (failed: string) => {
    const stack = [...graph.nodes.get(failed)!.children];
    while (stack.length) {
      const c = stack.pop()!;
      if (!waiting.has(c)) continue;
      waiting.delete(c);
      result.blocked.set(c, failed);
      options.onBlocked?.(c, failed);
      stack.push(...graph.nodes.get(c)!.children);
    }
  };
  const done = (name: string, engine: string, outcome: boolean | typeof ENGINE_LOST, error?: unknown) => {
    running.delete(name);
    if (outcome === ENGINE_LOST) {
      if (!result.lost.has(engine)) placement.lose(engine);
      result.lost.add(engine);
      waiting.add(name);
      options.onEngineLost?.(engine, name);
    } else if (outcome) {
      result.ok.add(name);
      result.engineOf.set(name, engine);
      placement.record(name, engine);
    } else {
      result.failed.set(name, error);
      block(name);
    }
  };
  const start = (name: string, engine: string) => {
    waiting.delete(name);
    result.started.push(name);
    options.onStart?.(name, engine);
    running.set(name, {
      engine,
      done: Promise.resolve()
        .then(() => options.work(name, engine))
        .then((ok) => done(name, engine, ok), (e) => done(name, engine, false, e)),
    });
  };

  for (;;) {
    if (!signal?.aborted) {
      const ready = [...waiting].filter(isReady)
        .sort((a, b) => priority.get(b)!.ms - priority.get(a)!.ms || a.localeCompare(b));
      for (const name of ready) {
        const free = freeEngines();
        if (free.length === 0) break;
        start(name, placement.pick(name, graph.nodes.get(name)!.parents, free));
      }
    }
    if (running.size === 0) break;
    await Promise.race([...running.values()].map((r) => r.done));
  }
  const noEngine = result.lost.size === placement.engines.length;
  for (const name of waiting) {
    if (noEngine && !signal?.aborted) result.failed.set(name, new Error(`every engine stopped answering (${[...result.lost].join(', ')})`));
    else result.cancelled.add(name);
  }
  return result;
}
