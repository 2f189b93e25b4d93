/**
 * Each image's package database, kept in <workDir>/supply-chain/<id>.packages.json: an image id's
 * content never changes, so it is read from the image once. Light on purpose (no document
 * library): buildImages loads it to read ahead.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { writeFileAtomic } from '../fs/atomic';
import { readTextOrNull } from '../fs/read';
import { workPaths } from '../workDir';
import type { PackageDatabase } from './packageDb';
import { type LicenceCache, readPackageDatabase } from './readImage';

export interface ReadsAhead {
  /** an image was built: read its packages after those before it */
  add(docker: Docker, id: string): void;
}

/**
 * The reads ahead of one buildImages run, so that save or push find each image's packages kept
 * and a shipping run's documents add little to its build. One at a time in the order the images
 * were built: a read is then one more job among the builds, never one per image at once (base's,
 * the longest, reads every licence while its ten children build), and a child reads only the
 * licences its parent lacked. Waiting for idle cores instead left base's read for after the
 * build: the bench's documents after a cold build took 1.0 s, not 0.6 s. A failed read is read
 * again, and reported, by the step that ships.
 */
export function readsAhead(workDir: string, family: 'deb' | 'rpm'): ReadsAhead {
  const licences: LicenceCache = new Map();
  const waiting: { docker: Docker; id: string }[] = [];
  let busy = false;
  const next = () => {
    if (busy || waiting.length === 0) return;
    const { docker, id } = waiting.shift()!;
    busy = true;
    void packageDatabase(docker, workDir, family, id, licences).catch(() => {}).then(() => {
      busy = false;
      next();
    });
  };
  return {
    add(docker, id) {
      waiting.push({ docker, id });
      next();
    },
  };
}

/** reads in flight, by kept file: a read started ahead is the one save or push waits for */
const reading = new Map<string, Promise<PackageDatabase>>();

/** An image's package database, read once per image id: the same id is the same content. */
export async function packageDatabase(docker: Docker, workDir: string, family: 'deb' | 'rpm', id: string, licences: LicenceCache): Promise<PackageDatabase> {
  const file = path.join(workPaths(workDir).root, 'supply-chain', `${id.replace(/^sha256:/, '')}.packages.json`);
  const kept = readTextOrNull(file);
  if (kept) {
    try {
      const db = JSON.parse(kept) as PackageDatabase;
      if (db.family === family && Array.isArray(db.packages)) return db;
    } catch {
      /* read it again */
    }
  }
  let read = reading.get(file);
  if (!read) {
    read = readPackageDatabase(docker, id, family, licences).then((db) => {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      writeFileAtomic(file, JSON.stringify(db));
      return db;
    }).finally(() => reading.delete(file));
    reading.set(file, read);
  }
  return read;
}
