/**
 * The work folder's part of clean: temporary files, artifacts, logs, built packages and git
 * checkouts. A checkout the config reads as an input (a local contrail-ansible or package
 * source kept inside the work folder) is not ours to remove.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../config/defaults';
import { inputError } from '../errors';
import { TEMP_MARK } from '../fs/atomic';
import { workPaths } from '../workDir';

const inside = (parent: string, child: string) => {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

/** A work folder that is also the system root, a home or the project would take too much with it. */
export function checkWorkDirForClean(workDir: string): void {
  const dangerous = ['/', os.homedir(), PROJECT_ROOT].filter((d) => inside(workDir, d));
  if (dangerous.length) {
    throw inputError(
      `work folder ${workDir} contains ${dangerous[0]}; clean will not remove files there`,
      'give the folder the build used for its own files with --work-dir (default .build)',
    );
  }
}

/** Existing paths clean removes, given the config's local inputs (absolute). */
export function workLeftovers(workDir: string, inputs: readonly string[]): string[] {
  const p = workPaths(workDir);
  const found: string[] = [];
  const exists = (f: string) => fs.existsSync(f);
  const isInput = (f: string) => inputs.some((i) => inside(f, i));
  const take = (f: string) => {
    if (!exists(f)) return;
    if (!isInput(f)) {
      found.push(f);
      return;
    }
    // an input lives below: take its siblings instead
    let entries: string[] = [];
    try {
      entries = fs.readdirSync(f);
    } catch {
      return;
    }
    for (const e of entries) {
      const child = path.join(f, e);
      if (!inputs.some((i) => path.resolve(i) === child)) take(child);
    }
  };
  for (const f of [p.tmp, p.artifacts, p.logs, p.packages, p.git, p.summary]) take(f);
  try {
    for (const e of fs.readdirSync(workDir)) if (e.startsWith(TEMP_MARK)) found.push(path.join(workDir, e));
  } catch {
    /* no work folder */
  }
  return found;
}

const escapeGlob = (p: string) => p.replace(/[*?[\]{}()!@+\\]/g, '\\$&');

/** Removes the paths (files or folders); the work folder too when nothing else is left in it. */
export async function removePaths(workDir: string, paths: readonly string[]): Promise<string[]> {
  if (!paths.length) return [];
  // loaded when needed: `gulp --tasks` should not pay for del's glob machinery
  const { deleteAsync } = await import('del');
  const removed = await deleteAsync(paths.map(escapeGlob), { force: true, dot: true });
  try {
    if (fs.readdirSync(workDir).length === 0) fs.rmdirSync(workDir);
  } catch {
    /* gone already, or not empty */
  }
  return removed.filter((r) => paths.includes(r));
}
