/**
 * Lays a resolved sandbox out on this machine, as `repo sync` does: every project checked out
 * (shallow, git metadata kept: packages.make asks each project's git for its commit) under its
 * path, then copyfiles copied and linkfiles linked, and `.repo/manifest.xml` written with the
 * manifest as resolved (revisions as commits). Nothing is written outside the sandbox folder,
 * even through a symlink a project brings along.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inputError } from '../errors';
import { checkoutRef, gitMessage } from '../git/checkout';
import { quote } from '../text';
import { checkDestination, checkParents } from './collisions';
import { resolvedManifestXml } from './resolvedXml';
import type { ResolvedSandbox } from './resolve';

/** Throws unless `p` (existing or not) lies inside `top` once the symlinks of its existing part are followed. */
function checkInside(top: string, p: string, what: string): void {
  const realTop = fs.realpathSync(top);
  let existing = p;
  while (!fs.existsSync(existing)) existing = path.dirname(existing);
  const real = path.join(fs.realpathSync(existing), path.relative(existing, p));
  if (real !== realTop && !real.startsWith(`${realTop}${path.sep}`)) {
    throw inputError(`${what} leads outside the sandbox (through a symlink) to ${real}`, 'fix the manifest or the project that holds the symlink');
  }
}

export interface LayoutOptions {
  signal?: AbortSignal;
  what: string;
}

/** Replaces `dir` with the sandbox. Records each project's checked-out commit in `s`. */
export async function layOutSandbox(s: ResolvedSandbox, dir: string, options: LayoutOptions): Promise<void> {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  // parents before the projects nested in them
  const order = [...s.projects].sort((a, b) => a.path.split('/').length - b.path.split('/').length || a.path.localeCompare(b.path));
  for (const p of order) {
    const target = path.join(dir, p.path);
    const what = `${p.at}: project ${quote(p.name)}`;
    checkParents(dir, p.path, `${what} path`, s.projects);
    checkInside(dir, target, `${what} path ${quote(p.path)}`);
    if (fs.existsSync(target) && fs.readdirSync(target).length) {
      throw inputError(`${what}: its path ${quote(p.path)} is already taken by another project's files`, 'give each project its own path');
    }
    try {
      p.commit = (await checkoutRef(p.url, p.ref, target, { signal: options.signal })).commit;
    } catch (e) {
      throw inputError(`${what}: cannot check out ${quote(p.revision)} of ${quote(p.url)}: ${gitMessage(e)}`, 'give an existing branch, tag or full commit id');
    }
  }
  const written = new Map<string, string>();
  for (const p of s.projects) {
    const what = `${p.at}: project ${quote(p.name)}`;
    for (const c of p.copyfiles) {
      const src = path.join(dir, p.path, c.src);
      const dest = path.join(dir, c.dest);
      checkDestination(dir, c.dest, p.name, `${what} <copyfile> dest`, s.projects, written);
      written.set(c.dest, p.name);
      checkInside(path.join(dir, p.path), src, `${what} <copyfile> src ${quote(c.src)}`);
      checkInside(dir, dest, `${what} <copyfile> dest ${quote(c.dest)}`);
      if (!fs.existsSync(src) || !fs.statSync(src).isFile()) throw inputError(`${what}: <copyfile> src ${quote(c.src)} is not a file of the project`, 'check the manifest against the project at this revision');
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.rmSync(dest, { force: true });
      fs.copyFileSync(src, dest);
    }
    for (const l of p.linkfiles) {
      const src = path.join(dir, p.path, l.src);
      const dest = path.join(dir, l.dest);
      checkDestination(dir, l.dest, p.name, `${what} <linkfile> dest`, s.projects, written);
      written.set(l.dest, p.name);
      checkInside(path.join(dir, p.path), src, `${what} <linkfile> src ${quote(l.src)}`);
      checkInside(dir, dest, `${what} <linkfile> dest ${quote(l.dest)}`);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.rmSync(dest, { force: true });
      // relative, as repo makes it: the sandbox can move (it does, into the builder container)
      fs.symlinkSync(path.relative(path.dirname(dest), src), dest);
    }
  }
  fs.mkdirSync(path.join(dir, '.repo'), { recursive: true });
  fs.writeFileSync(path.join(dir, '.repo', 'manifest.xml'), resolvedManifestXml(s));
}
