/**
 * Reproducible tar.gz: the same tree gives the same bytes (same sha256), whatever the host's
 * users, umask, file times or directory order. Entries are sorted bytewise, owned by 0/0
 * ("root"), with normalised modes and one fixed mtime; gzip's header time is 0 (Node's zlib
 * writes no time). We write the ustar format ourselves because that is the only way to pin
 * every header byte; paths too long for ustar get a deterministic pax record.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';

export type EntryType = 'file' | 'dir' | 'symlink';

export interface TarEntry {
  /** archive path, '/'-separated, no leading '/'; directories end with '/' */
  path: string;
  type: EntryType;
  /** 0o644 / 0o755 / 0o777 after normalisation */
  mode: number;
  size: number;
  /** symlinks only */
  linkname?: string;
  /** absolute path on disk of a file's content */
  source?: string;
  /** or the content itself (small in-memory files) */
  content?: Buffer;
}

export interface TarOptions {
  /** seconds since the epoch, for every entry */
  mtime: number;
  /** leave out `.git` folders and files (checkouts carry them; the artifact must not) */
  skipGit?: boolean;
}

const BLOCK = 512;
const OWNER = { uid: 0, gid: 0, uname: 'root', gname: 'root' };

/** Only "is anyone allowed to execute it" survives: host umasks and ownership must not leak in. */
export function normalMode(type: EntryType, hostMode: number): number {
  if (type === 'dir') return 0o755;
  if (type === 'symlink') return 0o777;
  return hostMode & 0o111 ? 0o755 : 0o644;
}

/** Bytewise order of the UTF-8 paths: independent of locale; a folder sorts before its contents. */
export function compareEntryPaths(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function octal(value: number, width: number): string {
  // width includes the terminating NUL
  const s = value.toString(8);
  if (s.length > width - 1) throw new Error(`tar: ${value} does not fit in ${width - 1} octal digits`);
  return s.padStart(width - 1, '0');
}

function put(buf: Buffer, offset: number, width: number, text: string | Buffer): void {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  if (bytes.length > width) throw new Error(`tar: field too long (${bytes.length} > ${width})`);
  bytes.copy(buf, offset);
}

/** ustar splits a long path at a '/' into prefix (155 bytes) and name (100); undefined when it cannot. */
export function splitUstarPath(p: string): { prefix: string; name: string } | undefined {
  const bytes = Buffer.byteLength(p);
  if (bytes <= 100) return { prefix: '', name: p };
  if (bytes > 256) return undefined;
  // the last '/' that leaves a name of at most 100 bytes and a prefix of at most 155
  const trimmed = p.endsWith('/') ? p.slice(0, -1) : p;
  for (let i = trimmed.lastIndexOf('/'); i > 0; i = trimmed.lastIndexOf('/', i - 1)) {
    const prefix = p.slice(0, i);
    const name = p.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name.length > 0) return { prefix, name };
    if (Buffer.byteLength(name) > 100) return undefined;
  }
  return undefined;
}

interface HeaderFields {
  name: string;
  prefix: string;
  mode: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname: string;
}

export function encodeHeader(h: HeaderFields): Buffer {
  const buf = Buffer.alloc(BLOCK);
  put(buf, 0, 100, h.name);
  put(buf, 100, 8, octal(h.mode, 8));
  put(buf, 108, 8, octal(OWNER.uid, 8));
  put(buf, 116, 8, octal(OWNER.gid, 8));
  put(buf, 124, 12, octal(h.size, 12));
  put(buf, 136, 12, octal(h.mtime, 12));
  buf.fill(0x20, 148, 156); // the checksum is computed over spaces in its own field
  put(buf, 156, 1, h.typeflag);
  put(buf, 157, 100, h.linkname);
  put(buf, 257, 6, 'ustar\0');
  put(buf, 263, 2, '00');
  put(buf, 265, 32, OWNER.uname);
  put(buf, 297, 32, OWNER.gname);
  put(buf, 329, 8, octal(0, 8));
  put(buf, 337, 8, octal(0, 8));
  put(buf, 345, 155, h.prefix);
  let sum = 0;
  for (const byte of buf) sum += byte;
  put(buf, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return buf;
}

/** One pax record: "<length> <key>=<value>\n", where length counts the whole record. */
export function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body);
  let total = len + String(len).length;
  if (String(total).length !== String(len).length) total = len + String(total).length;
  return `${total}${body}`;
}

const padding = (size: number) => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);

/** The header block(s) of one entry: a pax header first when the path or link is too long for ustar. */
export function entryHeaders(e: TarEntry, mtime: number): Buffer[] {
  const typeflag = e.type === 'file' ? '0' : e.type === 'dir' ? '5' : '2';
  const linkname = e.linkname ?? '';
  const split = splitUstarPath(e.path);
  const linkFits = Buffer.byteLength(linkname) <= 100;
  const out: Buffer[] = [];
  if (!split || !linkFits) {
    let records = '';
    if (!split) records += paxRecord('path', e.path);
    if (!linkFits) records += paxRecord('linkpath', linkname);
    const data = Buffer.from(records, 'utf8');
    out.push(encodeHeader({ name: '././@PaxHeader', prefix: '', mode: 0o644, size: data.length, mtime, typeflag: 'x', linkname: '' }));
    out.push(data, padding(data.length));
  }
  const short = split ?? { prefix: '', name: e.path.slice(0, 100) };
  out.push(encodeHeader({
    name: short.name,
    prefix: short.prefix,
    mode: e.mode,
    size: e.type === 'file' ? e.size : 0,
    mtime,
    typeflag,
    linkname: linkFits ? linkname : '',
  }));
  return out;
}

/**
 * Every entry under `root`, as archive paths under `prefix` (e.g. 'contrail-ansible/'), sorted.
 * Hard links become plain files.
 * Sockets and other special files are left out: they cannot be provisioning code.
 */
export function listTree(root: string, prefix: string, options: { skipGit?: boolean; parents?: boolean } = {}): TarEntry[] {
  const entries: TarEntry[] = [];
  const norm = prefix === '' ? '' : prefix.endsWith('/') ? prefix : `${prefix}/`;
  if (norm) {
    // the prefix's folders, so extraction makes them with our modes; `parents: false` leaves
    // existing parents (such as /tmp in a container) alone and adds only the last one
    const parts = norm.split('/').filter(Boolean);
    const first = options.parents === false ? parts.length : 1;
    for (let i = first; i <= parts.length; i++) entries.push({ path: `${parts.slice(0, i).join('/')}/`, type: 'dir', mode: 0o755, size: 0 });
  }
  const walk = (dir: string, rel: string) => {
    for (const name of fs.readdirSync(dir)) {
      if (options.skipGit && name === '.git') continue;
      const full = path.join(dir, name);
      const st = fs.lstatSync(full);
      const archivePath = `${norm}${rel}${name}`;
      if (st.isDirectory()) {
        entries.push({ path: `${archivePath}/`, type: 'dir', mode: normalMode('dir', st.mode), size: 0 });
        walk(full, `${rel}${name}/`);
      } else if (st.isSymbolicLink()) {
        entries.push({ path: archivePath, type: 'symlink', mode: 0o777, size: 0, linkname: fs.readlinkSync(full) });
      } else if (st.isFile()) {
        entries.push({ path: archivePath, type: 'file', mode: normalMode('file', st.mode), size: st.size, source: full });
      }
    }
  };
  walk(root, '');
  return entries.sort((a, b) => compareEntryPaths(a.path, b.path));
}

/** The tar bytes of `entries`, streamed: headers, contents, padding, two zero blocks. */
export async function* tarStream(entries: TarEntry[], mtime: number): AsyncGenerator<Buffer> {
  for (const e of entries) {
    yield* entryHeaders(e, mtime);
    if (e.type !== 'file' || e.size === 0) continue;
    if (e.content) {
      yield e.content;
      yield padding(e.size);
      continue;
    }
    let read = 0;
    for await (const chunk of fs.createReadStream(e.source!)) {
      read += (chunk as Buffer).length;
      if (read > e.size) break;
      yield chunk as Buffer;
    }
    if (read !== e.size) throw new Error(`tar: ${e.source} changed while it was being archived`);
    yield padding(e.size);
  }
  yield Buffer.alloc(2 * BLOCK);
}

/** Writes the reproducible tar.gz of `root` (under `prefix`) to `file`. */
export async function writeTarGz(root: string, prefix: string, file: string, options: TarOptions): Promise<void> {
  const entries = listTree(root, prefix, { skipGit: options.skipGit });
  await pipeline(
    Readable.from(tarStream(entries, options.mtime)),
    zlib.createGzip({ level: 9 }),
    fs.createWriteStream(file),
  );
}

/** An uncompressed tar of `entries` in memory (small payloads for the engine: build contexts, requirement files). */
export async function tarBuffer(entries: TarEntry[], mtime = 0): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of tarStream(entries, mtime)) chunks.push(c);
  return Buffer.concat(chunks);
}

/** In-memory files as tar entries (for tarBuffer), with a folder entry for every parent. */
export function memoryEntries(files: Record<string, string | Buffer>, modes: Record<string, number> = {}): TarEntry[] {
  const entries = new Map<string, TarEntry>();
  for (const [p, text] of Object.entries(files)) {
    const parts = p.split('/');
    for (let i = 1; i < parts.length; i++) {
      const d = `${parts.slice(0, i).join('/')}/`;
      entries.set(d, { path: d, type: 'dir', mode: 0o755, size: 0 });
    }
    const content = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
    entries.set(p, { path: p, type: 'file', mode: modes[p] ?? 0o644, size: content.length, content });
  }
  return [...entries.values()].sort((a, b) => compareEntryPaths(a.path, b.path));
}
