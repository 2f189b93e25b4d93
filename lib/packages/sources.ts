/**
 * packages.build.sources on this machine: a folder is read where it is; a git source is resolved
 * to a commit with `git ls-remote` (no fetch, so an unchanged source is skipped without touching
 * the network twice) and checked out shallow only when it must be built. Every source is checked
 * for its debian/ folder before anything builds.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { GitSource, PackageSource, PathSource, RecipeSource } from '../config/types';
import { inputError } from '../errors';
import { treeHash, withoutGit } from '../fs/treeHash';
import { checkoutRef, gitMessage, lsRemote } from '../git/checkout';
import { parseLsRemote, refNames, resolveRef, type ResolvedRef } from '../git/refs';
import { checkGitRef, checkGitUrl } from '../git/safety';
import { didYouMean, quote } from '../text';
import { checkSpec } from './specFile';
import type { ResolvedSandbox } from '../sandbox/resolve';

export const isGitSource = (s: PackageSource): s is GitSource => 'git' in s;
export const isRecipeSource = (s: PackageSource): s is RecipeSource => 'manifest' in s;

/** The files a source's debian/ folder must have for dpkg-buildpackage. */
export const DEBIAN_FILES = ['debian/control', 'debian/rules', 'debian/changelog'];

export function describeSource(s: PackageSource, index: number): string {
  return `packages.build.sources[${index}] (${quote(s.name)})`;
}

/** Throws an input error naming the source when `dir` lacks debian/control, rules or changelog. */
/** The default check: an rpm source (with "spec") has its spec file, any other its debian/ folder. */
const checkByShape = (dir: string, what: string, source: GitSource | PathSource) =>
  source.spec !== undefined ? checkSpec(dir, what, source) : checkDebianFolder(dir, what);

export function checkDebianFolder(dir: string, what: string): void {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw inputError(`${what}: ${dir} is not a folder`, 'give the folder that holds the debian/ folder');
  }
  const missing = DEBIAN_FILES.filter((f) => !fs.existsSync(path.join(dir, f)));
  if (missing.length === DEBIAN_FILES.length) {
    throw inputError(`${what} has no debian/ folder in ${dir}`, 'each source needs debian/control, debian/rules and debian/changelog (a Debian source package); for a git source, set "subdir" to the folder that holds debian/');
  }
  if (missing.length) throw inputError(`${what}: its debian/ folder lacks ${missing.join(', ')}`, 'a Debian source package needs debian/control, debian/rules and debian/changelog');
}

export interface ResolvedSource {
  source: PackageSource;
  index: number;
  what: string;
  /** the commit of a git source (null until known, for an abbreviated id); null for a folder */
  commit: string | null;
  /** the commit, or the content hash of a folder */
  revision: string;
  /** the folder to build: known for a folder, set by checkout() for a git source */
  tree: string | null;
  /** where debian/ is, relative to tree */
  subdir: string;
  ref?: ResolvedRef;
  /** a recipe source's projects and their commits */
  sandbox?: ResolvedSandbox;
}

export interface ResolveOptions {
  signal?: AbortSignal;
  /** what the source's folder must hold; default: its spec file when it names one (rpm), else a debian/ folder */
  check?: (dir: string, what: string, source: GitSource | PathSource) => void;
}

export async function resolveSource(source: GitSource | PathSource, index: number, options: ResolveOptions = {}): Promise<ResolvedSource> {
  const what = describeSource(source, index);
  if (!isGitSource(source)) {
    (options.check ?? checkByShape)(source.path, what, source);
    return { source, index, what, commit: null, revision: treeHash(source.path, { exclude: withoutGit }), tree: source.path, subdir: '.' };
  }
  checkGitUrl(source.git, `${what} git`);
  checkGitRef(source.ref, `${what} ref`);
  let listing: string;
  try {
    listing = await lsRemote(source.git, { signal: options.signal });
  } catch (e) {
    throw inputError(`${what}: git cannot read ${quote(source.git)}: ${gitMessage(e)}`, 'check the URL, and that the repository is public or reachable from this machine');
  }
  const refs = parseLsRemote(listing);
  const ref = resolveRef(refs, source.ref);
  if (!ref) {
    const guess = didYouMean(source.ref, refNames(refs));
    throw inputError(`${what}: ${quote(source.git)} has no branch, tag or commit ${quote(source.ref)}`,
      guess ? `did you mean ${quote(guess)}?` : 'give an existing branch, tag or full commit id');
  }
  return { source, index, what, commit: ref.commit, revision: ref.commit ?? `unresolved:${source.ref}`, tree: null, subdir: source.subdir ?? '.', ref };
}

/**
 * Checks a git source out (shallow) into `dir`, replacing what was there, and checks its debian/
 * folder. Sets tree, commit and revision.
 */
export async function checkoutSource(r: ResolvedSource, dir: string, options: ResolveOptions = {}): Promise<void> {
  if (!isGitSource(r.source) || !r.ref) return;
  fs.rmSync(dir, { recursive: true, force: true });
  let commit: string;
  try {
    commit = (await checkoutRef(r.source.git, r.ref, dir, { signal: options.signal })).commit;
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw inputError(`${r.what}: cannot check out ${quote(r.source.ref)} of ${quote(r.source.git)}: ${gitMessage(e)}`,
      'give an existing branch, tag or full commit id');
  }
  (options.check ?? checkByShape)(path.join(dir, r.subdir), r.what, r.source as GitSource | PathSource);
  r.tree = dir;
  r.commit = commit;
  r.revision = commit;
}
