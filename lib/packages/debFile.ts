/**
 * What makes a file a Debian binary package: an `ar` archive whose first member is
 * `debian-binary` holding "2.x", followed by `control.tar*` and `data.tar*`. Checked before the
 * files reach dpkg-scanpackages, so a stray or corrupt file is named as an input error.
 */
import { checkFileBytes } from '../fs/read';
import type { PackageName } from './family';

const AR_MAGIC = '!<arch>\n';
const MEMBER_HEADER = 60;

interface Member {
  name: string;
  size: number;
  /** offset of the member's data */
  offset: number;
}

function member(buf: Buffer, at: number): Member | string {
  if (buf.length < at + MEMBER_HEADER) return 'it ends inside an ar member header';
  const header = buf.subarray(at, at + MEMBER_HEADER).toString('latin1');
  if (header.slice(58, 60) !== '`\n') return 'an ar member header is malformed';
  const size = Number(header.slice(48, 58).trim());
  if (!Number.isInteger(size) || size < 0) return 'an ar member has no valid size';
  return { name: header.slice(0, 16).trim().replace(/\/$/, ''), size, offset: at + MEMBER_HEADER };
}

/**
 * Reads the member headers from `read(offset, length)`; returns why the data is not a .deb, or
 * null when it is one. `size` is the whole file's length.
 */
export function debProblem(read: (offset: number, length: number) => Buffer, size: number): string | null {
  const magic = read(0, 8).toString('latin1');
  if (magic !== AR_MAGIC) return 'it is not an ar archive (a .deb starts with "!<arch>")';
  const names: string[] = [];
  let at = 8;
  while (at < size && names.length < 3) {
    const m = member(read(at, MEMBER_HEADER), 0);
    if (typeof m === 'string') return m;
    if (m.name === 'debian-binary' && names.length === 0) {
      const version = read(at + MEMBER_HEADER, Math.min(m.size, 16)).toString('latin1');
      if (!/^2\.\d+\n/.test(version)) return `its debian-binary says ${JSON.stringify(version.trim())}, not 2.x`;
    }
    names.push(m.name);
    at += MEMBER_HEADER + m.size + (m.size % 2);
    if (at > size) return `its member ${m.name} is truncated`;
  }
  if (names[0] !== 'debian-binary') return 'its first member is not debian-binary';
  if (!names[1]?.startsWith('control.tar')) return 'it has no control.tar member';
  if (!names[2]?.startsWith('data.tar')) return 'it has no data.tar member';
  return null;
}

/** The same check on a file. */
export const debFileProblem = (file: string): string | null => checkFileBytes(file, debProblem);

/** The deb family's package file. */
export const DEB_FILE = { ext: '.deb', fileKind: 'Debian package', fileProblem: debFileProblem } as const;

/** `<package>_<version>_<arch>.deb`, as dpkg-buildpackage names its outputs (no epoch). */
export function parseDebFileName(file: string): PackageName | null {
  const base = file.split('/').pop() ?? '';
  const m = /^([a-z0-9][a-z0-9.+-]+)_([^_]+)_([a-z0-9-]+)\.deb$/.exec(base);
  return m ? { package: m[1], version: m[2], architecture: m[3] } : null;
}
