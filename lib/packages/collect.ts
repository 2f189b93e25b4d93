/**
 * The .deb files a repo is made of, from a folder, an extracted tarball or packageBuild's output:
 * found, checked to be Debian packages, flattened into one folder's names, and identified by
 * their content (the package set id the repo image is labelled with).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inputError } from '../errors';
import { hashJson, sha256File } from '../hash';
import { quote } from '../text';
import { debFileProblem } from './debFile';

/** A file of the repository: its name there, and where it is on this machine. */
export interface RepoDeb {
  name: string;
  /** absolute */
  file: string;
}

/** Every regular *.deb under `dir`, sorted. */
export function findDebs(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.name.endsWith('.deb') && fs.statSync(full).isFile()) found.push(full);
    }
  };
  walk(dir);
  return found.sort();
}

/** Throws one input error naming the first file that is not a Debian package. */
export function checkDebs(files: readonly string[], what: string, relativeTo?: string): void {
  for (const f of files) {
    const problem = debFileProblem(f);
    if (problem) {
      const shown = relativeTo ? path.relative(relativeTo, f) : f;
      throw inputError(`${what}: ${quote(shown)} is not a Debian package: ${problem}`, 'remove it, or replace it with a valid .deb');
    }
  }
}

export interface HashedDeb {
  file: string;
  sha256: string;
}

/**
 * One repository folder holds each file name once: the same name twice with the same content is
 * kept once; with different content it is an error (one would silently replace the other). Pure.
 */
export function flattenDebs(debs: readonly HashedDeb[], what: string): (RepoDeb & { sha256: string })[] {
  const byName = new Map<string, HashedDeb>();
  for (const d of debs) {
    const name = path.basename(d.file);
    const seen = byName.get(name);
    if (seen && seen.sha256 !== d.sha256) {
      throw inputError(`${what} holds two different files named ${quote(name)}: ${seen.file} and ${d.file}`, 'keep one of them');
    }
    byName.set(name, seen ?? d);
  }
  return [...byName.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, d]) => ({ name, file: d.file, sha256: d.sha256 }));
}

/** The id of a package set: its file names and contents. Pure. */
export const packageSetId = (debs: readonly { name: string; sha256: string }[]): string =>
  hashJson(debs.map((d) => [d.name, d.sha256]));

export async function hashDebs(files: readonly string[]): Promise<HashedDeb[]> {
  return Promise.all(files.map(async (file) => ({ file, sha256: await sha256File(file) })));
}
