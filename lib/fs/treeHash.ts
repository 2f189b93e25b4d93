/**
 * A content hash of a folder: every path, its type, its executable bit and its bytes, in a
 * stable order. Used for build contexts and local package sources, whose state is their content.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface TreeHashOptions {
  /** relative paths (with '/') to leave out, with everything under them */
  exclude?: (relative: string) => boolean;
}

export function treeHash(dir: string, options: TreeHashOptions = {}): string {
  const h = crypto.createHash('sha256');
  const walk = (rel: string) => {
    const entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (options.exclude?.(r)) continue;
      const full = path.join(dir, r);
      if (e.isDirectory()) {
        h.update(`d ${r}\0`);
        walk(r);
      } else if (e.isSymbolicLink()) {
        h.update(`l ${r}\0${fs.readlinkSync(full)}\0`);
      } else if (e.isFile()) {
        const exec = (fs.statSync(full).mode & 0o111) !== 0;
        h.update(`f ${r} ${exec ? 'x' : '-'}\0`);
        h.update(crypto.createHash('sha256').update(fs.readFileSync(full)).digest());
      }
    }
  };
  walk('');
  return h.digest('hex');
}

/** Leaves out `.git` folders at any depth. */
export const withoutGit = (relative: string): boolean => relative === '.git' || relative.endsWith('/.git');
