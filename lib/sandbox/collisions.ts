/**
 * Where a project's checkout or a copyfile/linkfile would land on something another project owns:
 * one input error naming both projects and the path, instead of a raw file-system error or a file
 * silently overwritten. Reads the sandbox as laid out so far.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inputError } from '../errors';
import { quote } from '../text';

export interface Owned {
  name: string;
  path: string;
}

/** The project whose folder holds `rel` (the longest project path that is `rel` or a parent of it). */
export function holderOf(projects: readonly Owned[], rel: string): Owned | undefined {
  let best: Owned | undefined;
  for (const p of projects) {
    if ((rel === p.path || rel.startsWith(`${p.path}/`)) && (!best || p.path.length > best.path.length)) best = p;
  }
  return best;
}

const lstat = (p: string) => {
  try {
    return fs.lstatSync(p);
  } catch {
    return null;
  }
};

/**
 * Throws when a parent of `rel` (inside `dir`) is a file or a dangling link, naming the project it
 * belongs to: nothing can be put under it.
 */
export function checkParents(dir: string, rel: string, what: string, projects: readonly Owned[]): void {
  const parts = rel.split('/');
  for (let n = 1; n < parts.length; n++) {
    const parent = parts.slice(0, n).join('/');
    const st = lstat(path.join(dir, parent));
    if (!st) return;
    const owner = holderOf(projects, parent);
    const whose = owner ? `project ${quote(owner.name)}'s` : 'a';
    if (st.isSymbolicLink() && !fs.existsSync(path.join(dir, parent))) {
      throw inputError(`${what} ${quote(rel)} passes through ${whose} link ${quote(parent)}, which leads nowhere`, 'give a path that does not pass through a dangling link');
    }
    if (!st.isDirectory() && !(st.isSymbolicLink() && fs.statSync(path.join(dir, parent)).isDirectory())) {
      throw inputError(`${what} ${quote(rel)} lies under ${quote(parent)}, which is ${whose} file`, 'give a path under a folder, not under another project\'s file');
    }
  }
}

/**
 * Throws when the copyfile/linkfile `dest` of project `owner` is another project's folder, another
 * project's file, or the dest of an earlier copyfile/linkfile (`written`: dest -> project).
 */
export function checkDestination(dir: string, dest: string, owner: string, what: string, projects: readonly Owned[], written: Map<string, string>): void {
  checkParents(dir, dest, what, projects);
  const folder = projects.find((p) => p.path === dest);
  if (folder) throw inputError(`${what} ${quote(dest)} is project ${quote(folder.name)}'s folder`, 'copy the file beside the projects, not onto one');
  const earlier = written.get(dest);
  if (earlier !== undefined) throw inputError(`${what} ${quote(dest)} is also the dest of a copyfile or linkfile of project ${quote(earlier)}`, 'give each copyfile and linkfile its own dest');
  const holder = holderOf(projects, dest);
  if (holder && holder.name !== owner && lstat(path.join(dir, dest))) {
    throw inputError(`${what} ${quote(dest)} would overwrite project ${quote(holder.name)}'s file`, 'give a dest no project has a file at');
  }
}
