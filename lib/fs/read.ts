import * as fs from 'node:fs';

/** A file's text, or null when it cannot be read (absent, a folder, no permission). */
export function readTextOrNull(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** Reads `length` bytes at `offset` (fewer at the end of the file). */
export type ByteReader = (offset: number, length: number) => Buffer;

/** Runs a check that reads a file by offsets (a package's headers), without reading all of it. */
export function checkFileBytes<T>(file: string, check: (read: ByteReader, size: number) => T): T {
  const fd = fs.openSync(file, 'r');
  try {
    const { size } = fs.fstatSync(fd);
    const read: ByteReader = (offset, length) => {
      const buf = Buffer.alloc(Math.max(0, Math.min(length, size - offset)));
      if (buf.length) fs.readSync(fd, buf, 0, buf.length, offset);
      return buf;
    };
    return check(read, size);
  } finally {
    fs.closeSync(fd);
  }
}
