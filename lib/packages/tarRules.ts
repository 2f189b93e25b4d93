/**
 * Which entries of a packages tarball we accept. A tarball comes from outside (a URL, a path);
 * an entry that could write outside the folder it is extracted into, or make something other
 * than plain files and folders, rejects the whole archive. Pure.
 */

export interface TarEntryInfo {
  /** the path as written in the archive */
  path: string;
  /** node-tar's entry type: 'File', 'Directory', 'SymbolicLink', 'Link', 'CharacterDevice', ... */
  type: string;
}

const REGULAR = new Set(['File', 'OldFile', 'ContiguousFile']);

/** Why the entry is refused, or null when it is acceptable. */
export function tarEntryProblem(entry: TarEntryInfo): string | null {
  const p = entry.path;
  if (p === '' || p.includes('\0')) return 'has an empty or invalid path';
  if (p.startsWith('/') || p.startsWith('\\') || /^[A-Za-z]:/.test(p)) return 'has an absolute path';
  if (p.split(/[\\/]+/).includes('..')) return "has '..' in its path";
  switch (entry.type) {
    case 'SymbolicLink':
      return 'is a symbolic link';
    case 'Link':
      return 'is a hard link';
    case 'CharacterDevice':
    case 'BlockDevice':
      return 'is a device';
    case 'FIFO':
      return 'is a FIFO';
    default:
      if (REGULAR.has(entry.type) || entry.type === 'Directory') return null;
      return `has an unsupported type (${entry.type})`;
  }
}

/** A regular file whose name ends in `ext` (.deb, or .rpm for the rpm family): the entries we extract. */
export const isDebEntry = (entry: TarEntryInfo, ext = '.deb'): boolean => REGULAR.has(entry.type) && entry.path.endsWith(ext);
