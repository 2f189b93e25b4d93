/**
 * The .rpm files an rpm-family repo is made of, from a folder or an extracted tarball: found,
 * each checked to be a binary RPM (else refused, naming it). Flattening and the package set id
 * are the deb path's (collect.ts): they depend on file names and contents only.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inputError } from '../errors';
import { quote } from '../text';
import { rpmFileProblem } from './rpmFile';

/** Every regular *.rpm under `dir`, sorted. */
export function findRpms(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.name.endsWith('.rpm') && fs.statSync(full).isFile()) found.push(full);
    }
  };
  walk(dir);
  return found.sort();
}

/** Throws one input error naming the first file that is not a binary RPM. */
export function checkRpms(files: readonly string[], what: string, relativeTo?: string): void {
  for (const f of files) {
    const problem = rpmFileProblem(f);
    if (problem) {
      const shown = relativeTo ? path.relative(relativeTo, f) : f;
      throw inputError(`${what}: ${quote(shown)} is not a binary RPM: ${problem}`, 'remove it, or replace it with a valid .rpm');
    }
  }
}
