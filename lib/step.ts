/**
 * A step of the pipeline, declared once: its name, what it does, its own flags, the steps whose
 * results it needs, and (loaded only when it runs) the function that does it. The gulp tasks,
 * their `--tasks` help and the run-once memo are all derived from this declaration; a step is
 * identified by its declaration object (a typed handle), never by a string.
 */
import type { Run, RunIntent } from './run';

/** A step's declaration; `R` is what it hands to the steps that need it. */
export interface Step<R = unknown> {
  readonly name: string;
  readonly description: string;
  /** flags the step itself reads (names in lib/config/overlays.ts FLAGS) */
  readonly flags: readonly string[];
  /** steps that run one after another before this one's needs start (checks that fail fast); their results are handed on too */
  readonly first: Readonly<Record<string, Step>>;
  /** steps whose results this one receives; they run side by side */
  readonly needs: Readonly<Record<string, Step>>;
  /**
   * steps it may run itself, depending on the config (contrailRepo runs packageBuild only without
   * packages): its work receives a function per key that runs the step (once per run), so a step
   * module never imports the declarations (no import cycle with steps/index.ts)
   */
  readonly mayRun: Readonly<Record<string, Step>>;
  /** false: not a gulp task of its own (baseImage, the pre-build checks) */
  readonly listed: boolean;
  /** no work of its own: its needs, composed (prep, all) */
  readonly group: boolean;
  /** what a run made for this step is for (save, push); absent: build */
  readonly intent?: RunIntent;
  /** the work, loaded when the step runs so that listing tasks loads no Docker or git library */
  readonly load: () => Promise<StepWork<R, Record<string, unknown>>>;
}

export type StepWork<R, N> = (run: Run, needs: N) => Promise<R>;

/** The results a step's `needs` hand it: `{ repo: contrailRepo }` -> `{ repo: RepoResult }`. */
export type ResultsOf<N extends Record<string, Step>> = { [K in keyof N]: N[K] extends Step<infer R> ? R : never };

/** What a step's `mayRun` hands it: `{ base: baseImage }` -> `{ base: () => Promise<BaseImage> }`. */
export type RunnersOf<M extends Record<string, Step>> = { [K in keyof M]: M[K] extends Step<infer R> ? () => Promise<R> : never };

export interface StepDeclaration<R, N extends Record<string, Step>, F extends Record<string, Step>, M extends Record<string, Step> = NoSteps> {
  name: string;
  description: string;
  flags?: string[];
  first?: F;
  needs?: N;
  mayRun?: M;
  listed?: boolean;
  intent?: RunIntent;
  /** e.g. `async () => (await import('../steps/contrailRepo')).contrailRepo`; omitted: a group of its needs */
  load?: () => Promise<StepWork<R, ResultsOf<N> & ResultsOf<F> & RunnersOf<M>>>;
}

export type NoSteps = Record<string, never>;

export function defineStep<R, N extends Record<string, Step> = NoSteps, F extends Record<string, Step> = NoSteps, M extends Record<string, Step> = NoSteps>(
  d: StepDeclaration<R, N, F, M>,
): Step<R> {
  const group = async () => undefined as R;
  return {
    name: d.name,
    description: d.description,
    flags: d.flags ?? [],
    first: d.first ?? {},
    needs: d.needs ?? {},
    mayRun: d.mayRun ?? {},
    listed: d.listed ?? true,
    group: !d.load,
    ...(d.intent ? { intent: d.intent } : {}),
    load: (d.load ?? (async () => group)) as Step<R>['load'],
  };
}

/**
 * Runs a step once per run: its `first` steps one by one, then its needs side by side, then its
 * work with their results. Later callers get the same promise.
 */
export function runStep<R>(run: Run, step: Step<R>): Promise<R> {
  return run.once(step, async () => {
    const results: Record<string, unknown> = {};
    for (const [key, check] of Object.entries(step.first)) results[key] = await runStep(run, check);
    const needs = Object.entries(step.needs);
    const values = await Promise.all(needs.map(([, need]) => runStep(run, need)));
    needs.forEach(([key], i) => (results[key] = values[i]));
    for (const [key, s] of Object.entries(step.mayRun)) results[key] = () => runStep(run, s);
    const work = await step.load();
    const supervisedWork = () => supervised(run, step, () => work(run, results) as Promise<R>);
    if (step.group) return supervisedWork();
    const waited = [...Object.values(step.first), ...Object.values(step.needs)].map((s) => s.name);
    return run.record.time({ kind: 'step', name: step.name, needs: waited }, supervisedWork);
  });
}

/** The steps of each run whose work is under way. */
const inFlight = new WeakMap<Run, Set<string>>();

/**
 * A step's work, watched: when it fails while other steps work beside it (contrailRepo and
 * contrailAnsible in prep), they are cancelled through the run's signal, as on Ctrl-C, instead of
 * working on for a run that fails. Here, so the CLI, the bench and the tests behave alike.
 */
async function supervised<R>(run: Run, step: Step<R>, work: () => Promise<R>): Promise<R> {
  let active = inFlight.get(run);
  if (!active) inFlight.set(run, (active = new Set()));
  active.add(step.name);
  try {
    return await work();
  } catch (e) {
    active.delete(step.name);
    if (!run.signal.aborted && active.size > 0) {
      run.log.warn(`${step.name} failed: stopping ${[...active].join(', ')}`);
      run.stop(e);
    }
    throw e;
  } finally {
    active.delete(step.name);
  }
}

/** Every step this one may run, itself last, each once: for the flags it honours. */
export function stepsUnder(step: Step): Step[] {
  const seen = new Set<Step>();
  const visit = (s: Step) => {
    if (seen.has(s)) return;
    for (const d of [...Object.values(s.first), ...Object.values(s.needs), ...Object.values(s.mayRun)]) visit(d);
    seen.add(s);
  };
  visit(step);
  return [...seen];
}

/** The flags a step honours: its own and those of every step it may run, sorted. */
export function flagsHonoured(step: Step): string[] {
  return [...new Set(stepsUnder(step).flatMap((s) => s.flags))].sort();
}
