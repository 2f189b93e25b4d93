/**
 * Extracts the .deb files of a packages tarball into a fresh folder, in two passes: the first
 * reads every entry and rejects the archive on any bad one (see tarRules.ts) before anything is
 * written; the second extracts only regular .deb files, with the same rules as a second guard.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Tar, tarLibrary as tar } from '../fs/tarLibrary';
import { inputError } from '../errors';
import { isDebEntry, tarEntryProblem } from './tarRules';

const describeTarError = (e: unknown) => {
  const err = e as NodeJS.ErrnoException & { tarCode?: string };
  const msg = (err.message ?? String(e)).replace(/^TAR_[A-Z_]+:\s*/, '');
  if (err.code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(msg)) return 'it is truncated (the gzip stream ends early)';
  if (err.code?.startsWith('Z_') || /incorrect header check|invalid (block|distance|stored)/i.test(msg)) return `its gzip data is corrupt (${msg})`;
  if (/checksum/i.test(msg)) return 'it is not a tar archive, or a corrupt one (a header checksum is wrong)';
  if (/Truncated input/i.test(msg)) return 'it is truncated (it ends inside an entry)';
  if (err.tarCode === 'TAR_BAD_ARCHIVE' || /Unrecognized archive format/i.test(msg)) return 'it is not a tar archive';
  return msg;
};

/**
 * Lists `file` and returns the paths of its .deb entries; throws one input error naming `what`
 * and the first bad entry, or saying why the file is not a readable tar(.gz).
 */
export async function checkTarball(file: string, what: string, ext = '.deb'): Promise<string[]> {
  const debs: string[] = [];
  const problems: string[] = [];
  let entries = 0;
  try {
    await tar().t({
      file,
      strict: true,
      onReadEntry: (entry) => {
        entries++;
        const problem = tarEntryProblem({ path: entry.path, type: entry.type });
        if (problem) problems.push(`entry ${JSON.stringify(entry.path)} ${problem}`);
        else if (isDebEntry({ path: entry.path, type: entry.type }, ext)) debs.push(entry.path);
        entry.resume();
      },
    });
  } catch (e) {
    throw inputError(`${what} cannot be read: ${describeTarError(e)}`, `give a tar or tar.gz of ${ext} files, e.g. contrail-install-packages_<version>.tgz`);
  }
  if (problems.length) {
    throw inputError(`${what} is refused: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more bad entries)` : ''}`,
      'packages tarballs may hold only plain files and folders with relative paths; nothing was extracted');
  }
  if (entries === 0) throw inputError(`${what} cannot be read: it is empty or not a tar archive`, `give a tar or tar.gz of ${ext} files`);
  if (debs.length === 0) {
    throw inputError(`${what} holds no ${ext} file`, ext === '.deb' ? 'give a tar(.gz) of Debian binary packages (*.deb), possibly in sub-folders'
      : `give a tar(.gz) of binary packages (*${ext}), possibly in sub-folders`);
  }
  return debs;
}

/** Extracts the .deb entries of a checked tarball into `dest` (created; must not exist). Returns their absolute paths. */
export async function extractPackageFiles(file: string, dest: string, what: string, ext = '.deb'): Promise<string[]> {
  fs.mkdirSync(dest, { recursive: false });
  const refused: string[] = [];
  await tar().x({
    file,
    cwd: dest,
    strict: true,
    preservePaths: false,
    preserveOwner: false,
    filter: (p, entry) => {
      const info = { path: p, type: (entry as Tar.ReadEntry).type };
      if (tarEntryProblem(info)) {
        refused.push(p);
        return false;
      }
      return isDebEntry(info, ext);
    },
  });
  if (refused.length) throw inputError(`${what} changed while it was read: entry ${JSON.stringify(refused[0])} is refused`);
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, d.name);
      if (d.isDirectory()) walk(full);
      else if (d.isFile() && d.name.endsWith(ext)) found.push(full);
    }
  };
  walk(dest);
  return found.sort();
}
