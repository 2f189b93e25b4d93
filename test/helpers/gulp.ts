import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
const GULP = path.join(ROOT, 'node_modules', '.bin', 'gulp');

export interface GulpResult {
  code: number | null;
  /** the signal that ended the process, when one did */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** A gulp CLI process still running: signal it, watch its output, await its end. */
export interface GulpProcess {
  child: ChildProcess;
  pid: number;
  /** stdout and stderr so far */
  output(): string;
  /** resolves with the first match of `pattern` in the output; rejects when the process ends or `ms` pass first */
  waitForOutput(pattern: RegExp, ms?: number): Promise<RegExpMatchArray>;
  done: Promise<GulpResult>;
}

/** Starts the real gulp CLI on this project, as a user would. */
export function startGulp(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 600_000): GulpProcess {
  const started = Date.now();
  const child = spawn(GULP, ['--cwd', ROOT, ...args], {
    cwd: ROOT,
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let ended = false;
  const watchers = new Set<() => void>();
  const notify = () => watchers.forEach((w) => w());
  child.stdout!.on('data', (d) => {
    stdout += d;
    notify();
  });
  child.stderr!.on('data', (d) => {
    stderr += d;
    notify();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<GulpResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      ended = true;
      notify();
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
  const output = () => stdout + stderr;
  return {
    child,
    pid: child.pid!,
    output,
    done,
    waitForOutput(pattern, ms = 120_000) {
      return new Promise((resolve, reject) => {
        const timeout = setTimeout(() => finish(new Error(`no ${pattern} in the output within ${ms} ms:\n${output()}`)), ms);
        const check = () => {
          const m = output().match(pattern);
          if (m) finish(null, m);
          else if (ended) finish(new Error(`gulp ended without ${pattern} in its output:\n${output()}`));
        };
        const finish = (e: Error | null, m?: RegExpMatchArray) => {
          clearTimeout(timeout);
          watchers.delete(check);
          if (e) reject(e);
          else resolve(m!);
        };
        watchers.add(check);
        check();
      });
    },
  };
}

/** Runs the real gulp CLI on this project, as a user would. */
export function runGulp(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 600_000): Promise<GulpResult> {
  return startGulp(args, env, timeoutMs).done;
}

/** Sends SIGTERM to a running gulp and awaits its end; `ms`: how long after the signal it ended. */
export async function terminate(run: GulpProcess): Promise<GulpResult & { afterSignalMs: number }> {
  const sent = Date.now();
  run.child.kill('SIGTERM');
  const r = await run.done;
  return { ...r, afterSignalMs: Date.now() - sent };
}
