/**
 * What every task of one run shares: the resolved config, the logger, the Docker client (checked
 * once), and the results of steps other steps depend on. gulp gives tasks no way to pass values,
 * so a step's result is memoised here: buildImages asks for contrailRepo's result, and gets the
 * one prep already produced, or runs it.
 */
import type Docker from 'dockerode';
import type { ResolvedConfig } from './config/load';
import { checkEngine, dockerClient } from './docker/engine';
import type { Logger } from './log';

export interface Run {
  config: ResolvedConfig;
  log: Logger;
  /** aborted on Ctrl-C / SIGTERM */
  signal: AbortSignal;
  /** the Docker client, after checking once that the engine answers */
  engine(): Promise<Docker>;
  /** runs `fn` once per run for `key`; later callers get the same promise */
  once<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

export interface RunOptions {
  config: ResolvedConfig;
  log: Logger;
  docker?: Docker;
  signal?: AbortSignal;
}

export function createRun(options: RunOptions): Run {
  const memo = new Map<string, Promise<unknown>>();
  const docker = options.docker ?? dockerClient();
  const run: Run = {
    config: options.config,
    log: options.log,
    signal: options.signal ?? new AbortController().signal,
    engine: () => run.once('engine', async () => {
      await checkEngine(docker);
      return docker;
    }),
    once<T>(key: string, fn: () => Promise<T>): Promise<T> {
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
