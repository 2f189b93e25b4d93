/**
 * Turns a step `(run) => Promise` into a gulp task: named, described, with its flags listed for
 * `gulp --tasks`/`--tasks-json`, sharing one Run per process, and reporting its failure to the one
 * place that decides the exit code.
 */
import type { TaskFunction } from 'undertaker';
import { resolveConfig } from '../lib/config/load';
import { FLAGS } from '../lib/config/overlays';
import { recordFailure } from '../lib/exit';
import { gulpLogger } from '../lib/log';
import { createRun, type Run } from '../lib/run';

let current: Run | undefined;

/** The run of this gulp process: config from argv and the environment, resolved on first use. */
export function currentRun(): Run {
  current ??= createRun({ config: resolveConfig(), log: gulpLogger });
  return current;
}

export type Step<T = unknown> = (run: Run) => Promise<T>;

type DescribedTask = TaskFunction & { description?: string; flags?: Record<string, string> };

/** `flags('registry', 'jobs')` -> the `--registry`/`--jobs` lines for gulp --tasks. */
export function flags(...names: string[]): Record<string, string> {
  const out: Record<string, string> = { '--config FILE': 'the build description (default: ./config.json)' };
  for (const n of names) {
    const f = FLAGS[n];
    if (!f) throw new Error(`no flag --${n} in lib/config/overlays.ts`);
    out[f.type === 'bool' ? `--${n}` : `--${n} VALUE`] = f.help;
  }
  return out;
}

export function defineTask(name: string, description: string, flagHelp: Record<string, string>, step: Step): DescribedTask {
  const task: DescribedTask = async () => {
    try {
      await step(currentRun());
    } catch (e) {
      recordFailure(e);
      throw e;
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
