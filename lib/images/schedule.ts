/**
 * Runs the builds of an image graph: up to `jobs` at once, a child only after its parents, and
 * among the ready images the one with the longest chain of work behind it first, so the critical
 * path starts as early as it can. A failed image blocks its descendants; other branches go on.
 */
import type { ImageGraph } from './graph';

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
  /** builds (or skips) one image; resolves false or rejects when it failed */
  work: (name: string) => Promise<boolean>;
  /** when aborted, nothing new starts; running work finishes */
  signal?: AbortSignal;
  onStart?: (name: string) => void;
  onBlocked?: (name: string, by: string) => void;
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
}

export async function runSchedule(options: ScheduleOptions): Promise<ScheduleResult> {
  const { graph, signal } = options;
  const jobs = Math.max(1, Math.floor(options.jobs));
  const priority = chainWork(graph, options.estimateMs);
  const result: ScheduleResult = { started: [], ok: new Set(), failed: new Map(), blocked: new Map(), cancelled: new Set() };
  const waiting = new Set(graph.order);
  const running = new Map<string, Promise<void>>();

  const isReady = (name: string) => graph.nodes.get(name)!.parents.every((p) => result.ok.has(p));
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
  const start = (name: string) => {
    waiting.delete(name);
    result.started.push(name);
    options.onStart?.(name);
    const done = (ok: boolean, error?: unknown) => {
      running.delete(name);
      if (ok) result.ok.add(name);
      else {
        result.failed.set(name, error);
        block(name);
      }
    };
    running.set(name, Promise.resolve()
      .then(() => options.work(name))
      .then((ok) => done(ok), (e) => done(false, e)));
  };

  for (;;) {
    if (!signal?.aborted) {
      const ready = [...waiting].filter(isReady)
        .sort((a, b) => priority.get(b)!.ms - priority.get(a)!.ms || a.localeCompare(b));
      for (const name of ready.slice(0, jobs - running.size)) start(name);
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  for (const name of waiting) result.cancelled.add(name);
  return result;
}
