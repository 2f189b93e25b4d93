/**
 * What makes a file a binary RPM: the 96-byte lead (magic ed ab ee db, format 3 or 4, type 0 =
 * binary), then the signature header and the main header, each starting with 8e ad e8 01.
 * Checked before the files reach createrepo_c, so a stray, truncated or source RPM is named as an
 * input error. Pure, apart from reading the file.
 */
import { checkFileBytes } from '../fs/read';
import type { PackageName } from './family';

const LEAD = 96;
const HEADER_MAGIC = Buffer.from([0x8e, 0xad, 0xe8, 0x01]);
const INTRO = 16;
const INDEX_ENTRY = 16;

function headerAt(read: (offset: number, length: number) => Buffer, at: number, size: number, which: string): { end: number } | string {
  const intro = read(at, INTRO);
  if (intro.length < INTRO) return `it ends before its ${which} header`;
  if (!intro.subarray(0, 4).equals(HEADER_MAGIC)) return `its ${which} header has no header magic`;
  const entries = intro.readUInt32BE(8);
  const data = intro.readUInt32BE(12);
  const end = at + INTRO + entries * INDEX_ENTRY + data;
  if (entries === 0 || end > size) return `its ${which} header is truncated or malformed`;
  return { end };
}

/** Why the data is not a binary RPM, or null when it is one. `size` is the whole file's length. */
export function rpmProblem(read: (offset: number, length: number) => Buffer, size: number): string | null {
  const lead = read(0, LEAD);
  if (lead.length < 4 || lead.readUInt32BE(0) !== 0xedabeedb) return 'it is not an RPM (an .rpm starts with the lead magic ed ab ee db)';
  if (lead.length < LEAD) return 'it ends inside the RPM lead';
  if (lead[4] !== 3 && lead[4] !== 4) return `its RPM format is ${lead[4]}, not 3 or 4`;
  if (lead.readUInt16BE(6) === 1) return 'it is a source RPM (.src.rpm); the repo serves binary RPMs';
  if (lead.readUInt16BE(6) !== 0) return `its RPM type is ${lead.readUInt16BE(6)}, not binary`;
  const sig = headerAt(read, LEAD, size, 'signature');
  if (typeof sig === 'string') return sig;
  const main = headerAt(read, sig.end + ((8 - (sig.end % 8)) % 8), size, 'main');
  if (typeof main === 'string') return main;
  if (main.end >= size) return 'it has no payload after its headers';
  return null;
}

/** The same check on a file. */
export const rpmFileProblem = (file: string): string | null => checkFileBytes(file, rpmProblem);

/** The rpm family's package file, for checks that need no more of the family (the config's preflight). */
export const RPM_FILE = { ext: '.rpm', fileKind: 'binary RPM', fileProblem: rpmFileProblem } as const;

/** `<name>-<version>-<release>.<arch>.rpm`, as rpmbuild names its outputs; version is version-release. */
export function parseRpmFileName(file: string): PackageName | null {
  const base = file.split('/').pop() ?? '';
  const m = /^(.+)-([^-]+)-([^-]+)\.([A-Za-z0-9_]+)\.rpm$/.exec(base);
  return m ? { package: m[1], version: `${m[2]}-${m[3]}`, architecture: m[4] } : null;
}
