/**
 * What every step of one run shares: the resolved config, the logger, the Docker client (checked
 * once), and the results of steps other steps depend on. gulp gives tasks no way to pass values,
 * so a step's result is memoised here by its declaration (lib/step.ts runStep): buildImages gets
 * the contrailRepo result prep already produced, or runs it.
 */
import { setMaxListeners } from 'node:events';
import type Docker from 'dockerode';
import type { ResolvedConfig } from './config/load';
import { buildJobs } from './images/jobs';
import { checkEngine, clientFor, type EngineTarget } from './docker/engine';
import { engineFacts, engineVerdict } from './docker/engineCheck';
import { runEngines, type NamedEngine } from './docker/engines';
import type { Logger } from './log';
import { createRecord, type RunRecord } from './runRecord';

/** What the run is for, declared where it is made: a run that only pushes leaves what the registry has there. */
export type RunIntent = 'build' | 'save' | 'push';

export interface Run {
  config: ResolvedConfig;
  intent: RunIntent;
  log: Logger;
  /** aborted on Ctrl-C / SIGTERM, or by stop() */
  signal: AbortSignal;
  /** cancels everything in flight through `signal` (lib/step.ts: a step failed while others run beside it) */
  stop(reason: unknown): void;
  /** the engines the run drives (engines / --engines, else the one of DOCKER_HOST), read once */
  engines: NamedEngine[];
  /** where the (first) engine is: DOCKER_HOST and its TLS settings, or the first of `engines` */
  engineTarget: EngineTarget;
  /** the Docker client, after checking once that the engine answers (with `engines`: the first that answers) */
  engine(): Promise<Docker>;
  /** with `engines`: every listed engine checked once at the start; those that answer, with their clients */
  liveEngines(): Promise<LiveEngine[]>;
  /** runs `fn` once per run for `key` (a step's declaration, or a name); later callers get the same promise */
  once<T>(key: object | string, fn: () => Promise<T>): Promise<T>;
  /** when each step, package source and image ran (report.html, trace.json) */
  record: RunRecord;
}

export interface LiveEngine extends NamedEngine {
  docker: Docker;
}

export interface RunOptions {
  config: ResolvedConfig;
  /** default 'build' */
  intent?: RunIntent;
  log: Logger;
  docker?: Docker;
  signal?: AbortSignal;
}

export function createRun(options: RunOptions): Run {
  const memo = new Map<object | string, Promise<unknown>>();
  const engines = runEngines(options.config.engines ?? null);
  const target = engines[0].target;
  const docker = options.docker ?? clientFor(target);
  const clients = new Map<NamedEngine, Docker>(engines.map((e, i) => [e, i === 0 ? docker : clientFor(e.target)]));
  const stopper = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stopper.signal]) : stopper.signal;
  // Every operation in flight listens on the run's one signal while it lasts (each removes its
  // listener when it ends): `jobs` builds or pushes, their retries' waits, git and exec calls of
  // prep beside them. Node warns past 10 listeners as if they leaked; allow what a run can have.
  setMaxListeners(Math.max(10, 4 * buildJobs(options.config.jobs, options.config.jobsFromDefault ?? false, 'buildkit', options.config.jobs) + 10), signal);
  const run: Run = {
    config: options.config,
    intent: options.intent ?? 'build',
    log: options.log,
    signal,
    stop: (reason) => stopper.abort(reason),
    engines,
    engineTarget: target,
    record: createRecord(),
    engine: () => run.once('engine', async () => {
      if (options.config.engines == null) {
        await checkEngine(docker, target);
        return docker;
      }
      return (await run.liveEngines())[0].docker;
    }),
    liveEngines: () => run.once('liveEngines', async () => {
      const facts = await Promise.all(engines.map((e) => engineFacts(e, clients.get(e)!)));
      const verdict = engineVerdict(facts);
      for (const line of verdict.info) options.log.info(line);
      for (const line of verdict.warnings) options.log.warn(line);
      // the engine the steps work on is the first that answers: messages and checks name that one
      run.engineTarget = verdict.live[0].target;
      return verdict.live.map((e) => ({ ...e, docker: clients.get(e)! }));
    }),
    once<T>(key: object | string, fn: () => Promise<T>): Promise<T> {
      let p = memo.get(key) as Promise<T> | undefined;
      if (!p) {
        p = fn();
        memo.set(key, p);
      }
      return p;
    },
  };
  return run;
}
