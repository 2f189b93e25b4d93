/**
 * The package files a repo is made of (.deb or .rpm, by the family), from a folder, an extracted
 * tarball or packageBuild's output: found, checked to be binary packages of the family,
 * flattened into one folder's names, and identified by their content (the package set id the
 * repo image is labelled with).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inputError } from '../errors';
import { hashJson, sha256File } from '../hash';
import { quote } from '../text';

/** A file of the repository: its name there, and where it is on this machine. */
export interface RepoFile {
  name: string;
  /** absolute */
  file: string;
}

/** Every regular file ending in `ext` under `dir`, sorted. */
export function findPackageFiles(dir: string, ext: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.name.endsWith(ext) && fs.statSync(full).isFile()) found.push(full);
    }
  };
  walk(dir);
  return found.sort();
}

/** A family's package file: what checkPackageFiles needs of the family (lib/packages/family.ts). */
export interface PackageFileKind {
  /** the package files' extension: '.deb' or '.rpm' */
  ext: string;
  /** one package file in the user's words: 'Debian package', 'binary RPM' */
  fileKind: string;
  /** why `file` is not a binary package of this family, or null */
  fileProblem(file: string): string | null;
}

/** Throws one input error naming the first file that is not a binary package of the family. */
export function checkPackageFiles(family: PackageFileKind, files: readonly string[], what: string, relativeTo?: string): void {
  for (const f of files) {
    const problem = family.fileProblem(f);
    if (problem) {
      const shown = relativeTo ? path.relative(relativeTo, f) : f;
      throw inputError(`${what}: ${quote(shown)} is not a ${family.fileKind}: ${problem}`, `remove it, or replace it with a valid ${family.ext}`);
    }
  }
}

export interface HashedFile {
  file: string;
  sha256: string;
}

/**
 * One repository folder holds each file name once: the same name twice with the same content is
 * kept once; with different content it is an error (one would silently replace the other). Pure.
 */
export function flattenFiles(files: readonly HashedFile[], what: string): (RepoFile & { sha256: string })[] {
  const byName = new Map<string, HashedFile>();
  for (const d of files) {
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
export const packageSetId = (files: readonly { name: string; sha256: string }[]): string =>
  hashJson(files.map((d) => [d.name, d.sha256]));

export async function hashFiles(files: readonly string[]): Promise<HashedFile[]> {
  return Promise.all(files.map(async (file) => ({ file, sha256: await sha256File(file) })));
}
