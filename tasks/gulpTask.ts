/**
 * The gulp side of a step (steps/index.ts): a task composed with gulp's series/parallel from the
 * step's declaration (its checks first, then the listed steps it needs side by side, then its
 * own work), described with its flags and those of every step it may run for `gulp --tasks` and
 * the IDEs' task lists, sharing one Run per process (config, the work folder's lock, interrupt
 * handling), and reporting a failure to the one place that decides the exit code.
 */
import { parallel, series } from 'gulp';
import type { TaskFunction } from 'undertaker';
import { FLAGS } from '../lib/config/overlays';
import { exitCodeFor, recordFailure, runFailure } from '../lib/exit';
import { redactError } from '../lib/redact';
import { handleInterrupts, throwIfInterrupted } from '../lib/interrupt';
import { acquireWorkLock } from '../lib/lock';
import { gulpLogger } from '../lib/log';
import type { Run } from '../lib/run';
import { flagsHonoured, runStep, type Step, stepsUnder } from '../lib/step';
import { clean } from '../steps';

let current: Run | undefined;
const running = new Map<string, Promise<unknown>>();

/**
 * The run of this gulp process: config from argv and the environment, resolved on first use; its
 * intent (build, save, push) is that of the task gulp runs.
 */
export function currentRun(intent: Run['intent'] = 'build'): Run {
  if (!current) {
    // loaded on first use, so `gulp --tasks` stays fast (no ajv, dockerode, ...)
    const { resolveConfig }: typeof import('../lib/config/load') = require('../lib/config/load');
    const { createRun }: typeof import('../lib/run') = require('../lib/run');
    const config = resolveConfig();
    const controller = new AbortController();
    handleInterrupts({ controller, log: gulpLogger, running: () => [...running.keys()] });
    current = createRun({ config, log: gulpLogger, signal: controller.signal, intent });
    const run = current;
    process.once('exit', (code) => reportAtExit(run, code));
  }
  return current;
}

/** The steps asked for on this command line, in the order they started. */
const asked = new Set<Step>();

/**
 * At the end of every run that did work (all but clean), however it ended (done, failed,
 * interrupted: gulp-cli and the interrupt handler exit the process), report.html and trace.json,
 * named on the last lines. Loaded only then, so listing tasks and starting a run load none of it.
 * A run that never got the work folder's lock ran no step, recorded nothing, and writes nothing.
 */
function reportAtExit(run: Run, code: number): void {
  if ([...asked].every((s) => s === clean)) return;
  try {
    const { writeRunReport }: typeof import('../lib/report/write') = require('../lib/report/write');
    const failure = runFailure();
    const exitCode = failure === undefined ? (process.exitCode === undefined ? code : Number(process.exitCode)) : exitCodeFor(failure);
    // the step asked for last is the command's own (save, after the checks and builds it needs)
    const files = writeRunReport(run, { tasks: [...asked].slice(-1).map((s) => s.name), exitCode, error: failure });
    if (files) {
      run.log.info(`report: ${files.html}`);
      run.log.info(`trace: ${files.trace}`);
    }
  } catch (e) {
    // the run's own outcome stands; a report that could not be written is said, not raised
    run.log.warn(`no report written: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** One run per work folder: taken by the first task that starts, released at exit. */
function lockWorkDir(run: Run, task: string): Promise<unknown> {
  return run.once('work-dir-lock', () =>
    acquireWorkLock(run.config.workDir, { task, wait: run.config.flags.wait, log: run.log, signal: run.signal }));
}

type DescribedTask = TaskFunction & { description?: string; flags?: Record<string, string> };

/** The `--flag VALUE` lines of gulp --tasks for a step: what it and the steps it may run honour. */
export function flagHelp(step: Step): Record<string, string> {
  const out: Record<string, string> = { '--config FILE': 'the build description (default: ./config.json)' };
  for (const n of flagsHonoured(step)) {
    const f = FLAGS[n];
    if (!f) throw new Error(`step ${step.name} names no flag --${n} of lib/config/overlays.ts`);
    out[f.type === 'bool' ? `--${n}` : `--${n} VALUE`] = f.help;
  }
  out['--wait'] = FLAGS.wait.help;
  return out;
}

/** The step's own work as a gulp task function; its needs are already done, or run through the memo. */
function ownWork(step: Step, top: Step): DescribedTask {
  const task: DescribedTask = async () => {
    let promise: Promise<unknown> | undefined;
    try {
      const run = currentRun(top.intent);
      asked.add(step);
      await lockWorkDir(run, step.name);
      throwIfInterrupted(run.signal);
      promise = runStep(run, step);
      running.set(step.name, promise);
      await promise;
      throwIfInterrupted(run.signal);
    } catch (e) {
      // a step cancelled (Ctrl-C, or a sibling's failure) reports why the run stopped, not how
      // its own work broke off
      const error = current?.signal.aborted && current.signal.reason !== undefined ? current.signal.reason : e;
      redactError(error);
      recordFailure(error);
      running.delete(step.name);
      // the step runner stopped the steps beside this one (lib/step.ts); gulp-cli exits as soon as one task fails; let the steps running beside this one wind down
      // (cancelled) so they leave no containers or partial files behind.
      await Promise.allSettled(running.values());
      throw error;
    } finally {
      running.delete(step.name);
    }
  };
  task.displayName = step.name;
  return describe(task, step);
}

function describe<T extends DescribedTask>(task: T, step: Step): T {
  task.description = step.description;
  task.flags = flagHelp(step);
  return task;
}

/** What runs, in order: the step's checks, its listed needs side by side, its own work. */
function parts(step: Step, top: Step): TaskFunction[] {
  const listed = Object.values(step.needs).filter((s) => s.listed);
  // a need another need runs already (push needs contrailRepo, and buildImages, which runs it) appears once
  const needs = listed.filter((n) => !listed.some((o) => o !== n && stepsUnder(o).includes(n)));
  const out: TaskFunction[] = Object.values(step.first).map((s) => ownWork(s, top));
  if (step.group && needs.length === 1 && out.length === 0) return parts(needs[0], top);
  if (needs.length) out.push(needs.length === 1 ? gulpTask(needs[0], top) : parallel(...needs.map((n) => gulpTask(n, top))));
  if (!step.group) out.push(ownWork(step, top));
  return out;
}

/**
 * `series(checks..., parallel(needs...), own)`, leaving out what is empty; a group (prep, all) is
 * its needs alone. Only a step's own work carries its name: gulp-cli registers an export under
 * its function's displayName, and `save` must stay `save`.
 */
export function gulpTask(step: Step, top: Step = step): TaskFunction {
  const p = parts(step, top);
  return describe(p.length === 1 ? p[0] : series(...p), step);
}
