/**
 * Turns a step `(run) => Promise` into a gulp task: named, described, with its flags listed for
 * `gulp --tasks`/`--tasks-json`, sharing one Run per process (config, lock on the work folder,
 * interrupt handling), and reporting its failure to the one place that decides the exit code.
 */
import type { TaskFunction } from 'undertaker';
import { FLAGS } from '../lib/config/overlays';
import { recordFailure } from '../lib/exit';
import { handleInterrupts, throwIfInterrupted } from '../lib/interrupt';
import { acquireWorkLock } from '../lib/lock';
import { gulpLogger } from '../lib/log';
import type { Run } from '../lib/run';

let current: Run | undefined;
const running = new Map<string, Promise<unknown>>();

/** The run of this gulp process: config from argv and the environment, resolved on first use. */
export function currentRun(): Run {
  if (!current) {
    // loaded on first use, so `gulp --tasks` stays fast (no ajv, dockerode, ...)
    const { resolveConfig }: typeof import('../lib/config/load') = require('../lib/config/load');
    const { createRun }: typeof import('../lib/run') = require('../lib/run');
    const config = resolveConfig();
    const controller = new AbortController();
    handleInterrupts({ controller, log: gulpLogger, running: () => [...running.keys()] });
    current = createRun({ config, log: gulpLogger, signal: controller.signal });
  }
  return current;
}

/** One run per work folder: taken by the first task that starts, released at exit. */
function lockWorkDir(run: Run, task: string): Promise<unknown> {
  return run.once('work-dir-lock', () =>
    acquireWorkLock(run.config.workDir, { task, wait: run.config.flags.wait, log: run.log, signal: run.signal }));
}

export type Step<T = unknown> = (run: Run) => Promise<T>;

/**
 * A step whose module is loaded only when the task runs: listing tasks (`gulp --tasks`, the
 * IDEs' task lists) then loads none of the Docker, git or tar libraries.
 * `lazy(() => require('./tasks/contrailRepo') as typeof import('./tasks/contrailRepo'), 'contrailRepo')`
 */
export function lazy<M, K extends keyof M>(load: () => M, key: K): Step {
  return (run) => (load()[key] as unknown as Step)(run);
}

type DescribedTask = TaskFunction & { description?: string; flags?: Record<string, string> };

/** `flags('registry', 'jobs')` -> the `--registry`/`--jobs` lines for gulp --tasks. */
export function flags(...names: string[]): Record<string, string> {
  const out: Record<string, string> = { '--config FILE': 'the build description (default: ./config.json)' };
  for (const n of names) {
    const f = FLAGS[n];
    if (!f) throw new Error(`no flag --${n} in lib/config/overlays.ts`);
    out[f.type === 'bool' ? `--${n}` : `--${n} VALUE`] = f.help;
  }
  out['--wait'] = FLAGS.wait.help;
  return out;
}

export function defineTask(name: string, description: string, flagHelp: Record<string, string>, step: Step): DescribedTask {
  const task: DescribedTask = async () => {
    let promise: Promise<unknown> | undefined;
    try {
      const run = currentRun();
      await lockWorkDir(run, name);
      throwIfInterrupted(run.signal);
      promise = step(run);
      running.set(name, promise);
      await promise;
      throwIfInterrupted(run.signal);
    } catch (e) {
      recordFailure(e);
      // gulp-cli exits as soon as one task fails; let the steps running beside this one finish
      // (or wind down after an interrupt) so they leave no containers or partial files behind.
      running.delete(name);
      await Promise.allSettled(running.values());
      throw e;
    } finally {
      running.delete(name);
    }
  };
  task.displayName = name;
  task.description = description;
  task.flags = flagHelp;
  return task;
}

/** Describes a composed task (series/parallel) for gulp --tasks. */
export function describe<T extends TaskFunction>(task: T, description: string, flagHelp: Record<string, string>): T {
  const t = task as DescribedTask;
  t.description = description;
  t.flags = flagHelp;
  return task;
}
