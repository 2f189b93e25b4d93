import * as fs from 'node:fs';

/** A file's text, or null when it cannot be read (absent, a folder, no permission). */
export function readTextOrNull(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}
