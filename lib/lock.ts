/**
 * One run per work folder. The lock file names its holder (pid, host, start time, task), and
 * whether the holder still lives is checked against reality (is the process there?), so a lock
 * left by a run that died is taken over with a warning instead of blocking nightly builds forever.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildError, PipelineError } from './errors';
import type { Logger } from './log';

export interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
  task: string;
}

export const lockPath = (workDir: string) => path.join(workDir, '.lock');

/** Whether a process with this pid exists on this host. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readHolder(file: string): LockHolder | undefined {
  try {
    const h = JSON.parse(fs.readFileSync(file, 'utf8')) as LockHolder;
    return typeof h.pid === 'number' ? h : undefined;
  } catch {
    return undefined;
  }
}

/** Is the holder gone? Only knowable for a holder on this host. */
export function isStale(holder: LockHolder | undefined, host = os.hostname()): boolean {
  if (!holder) return true;
  return holder.host === host && !processAlive(holder.pid);
}

export const describeHolder = (h: LockHolder) =>
  `pid ${h.pid} on ${h.host}, running '${h.task}' since ${h.startedAt}`;

export interface LockOptions {
  task: string;
  wait: boolean;
  log: Logger;
  signal?: AbortSignal;
  pollMs?: number;
}

/** Takes the work folder's lock; returns its release. */
export async function acquireWorkLock(workDir: string, options: LockOptions): Promise<() => void> {
  fs.mkdirSync(workDir, { recursive: true });
  const file = lockPath(workDir);
  const me: LockHolder = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), task: options.task };
  let announcedWait = false;
  for (;;) {
    try {
      // written in full under a private name, then linked into place (fails when a lock is
      // there): others never see a half-written lock of a live run
      const mine = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
      fs.writeFileSync(mine, JSON.stringify(me));
      try {
        fs.linkSync(mine, file);
      } finally {
        fs.rmSync(mine, { force: true });
      }
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = readHolder(file);
    if (holder === undefined) {
      // being written by its holder right now, or truncated by a crash: give it a moment
      const st = fs.statSync(file, { throwIfNoEntry: false });
      if (!st) continue; // released (or taken over) since we tried: try again
      if (Date.now() - st.mtimeMs > UNREADABLE_MS) {
        if (removeStaleLock(file, undefined)) options.log.warn(`work folder ${workDir}: took over an unreadable lock file ${file}`);
      } else await sleep(100, options.signal);
      continue;
    }
    if (isStale(holder)) {
      if (removeStaleLock(file, holder)) {
        options.log.warn(`work folder ${workDir}: the run that locked it (${describeHolder(holder)}) is gone; taking over its lock`);
      } else await sleep(20, options.signal);
      continue;
    }
    if (!options.wait) {
      throw buildError(
        `work folder ${workDir} is in use by another run (${describeHolder(holder)})`,
        'wait for it to finish, run again with --wait, or use another --work-dir (and --repo-port) to run side by side',
      );
    }
    if (!announcedWait) {
      options.log.info(`work folder ${workDir} is in use by ${describeHolder(holder)}; waiting (--wait)`);
      announcedWait = true;
    }
    await sleep(options.pollMs ?? 1000, options.signal);
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    if (readHolder(file)?.pid === process.pid) fs.rmSync(file, { force: true });
    process.removeListener('exit', release);
  };
  process.on('exit', release);
  return release;
}

/** a lock file still unreadable after this long was truncated by a crash, not being written */
const UNREADABLE_MS = 5000;

export const takeoverPath = (lock: string) => `${lock}.takeover`;
/** a takeover takes milliseconds; one older than this was left by a run that died in the middle of it */
const ABANDONED_TAKEOVER_MS = 30_000;

/**
 * Removes a stale lock, atomically with respect to other runs doing the same: two runs that both
 * find the holder gone must not both delete "the" lock, or the slower would delete the lock the
 * faster has just taken, and both would run. Only the run that creates the takeover file (O_EXCL:
 * one creator wins) may remove the lock, and only after checking, while it holds the takeover
 * file, that the lock is still the stale one it saw. Returns whether it removed it; the caller
 * then competes for the lock again like any run.
 */
export function removeStaleLock(file: string, seen: LockHolder | undefined): boolean {
  const takeover = takeoverPath(file);
  let fd: number;
  try {
    fd = fs.openSync(takeover, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const age = Date.now() - (fs.statSync(takeover, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    if (age > ABANDONED_TAKEOVER_MS) fs.rmSync(takeover, { force: true });
    return false;
  }
  try {
    fs.writeSync(fd, String(process.pid));
    fs.closeSync(fd);
    const now = readHolder(file);
    // an unreadable lock must still be there and old: a new one is empty for a moment while its run writes it
    const same = seen === undefined
      ? now === undefined && Date.now() - (fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > UNREADABLE_MS
      : now !== undefined && now.pid === seen.pid && now.host === seen.host && now.startedAt === seen.startedAt;
    if (!same) return false;
    fs.rmSync(file, { force: true });
    return true;
  } finally {
    fs.rmSync(takeover, { force: true });
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new PipelineError('interrupted', 'interrupted'));
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason ?? new PipelineError('interrupted', 'interrupted'));
    };
    // one poll per second while waiting: each removes its listener, or they would pile up on the run's signal
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
