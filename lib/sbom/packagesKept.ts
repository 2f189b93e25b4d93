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

/**
 * Reads an image's package database now, while the rest of the family builds, so that save or
 * push find it kept and a shipping run's documents add little to its build. A failed read is read
 * again, and reported, by the step that ships.
 */
export function readPackagesAhead(docker: Docker, workDir: string, family: 'deb' | 'rpm', id: string): Promise<void> {
  let licences = aheadLicences.get(workDir);
  if (!licences) aheadLicences.set(workDir, (licences = new Map()));
  return packageDatabase(docker, workDir, family, id, licences).then(() => {}, () => {});
}

export interface ReadsAhead {
  /** an image was built: read its packages when a core is free */
  add(docker: Docker, id: string): void;
  /** a build ended: start what waits, if nothing is being read */
  nudge(): void;
}

/**
 * The reads ahead of one buildImages run, one at a time in the order the images were built: a
 * read is then one more job among the builds, never one per image at once (base's, the longest,
 * reads every licence while its ten children build). Waiting for idle cores instead left base's
 * read for after the build: the bench's documents after a cold build took 1.0 s, not 0.6 s.
 */
export function readsAhead(workDir: string, family: 'deb' | 'rpm'): ReadsAhead {
  const waiting: { docker: Docker; id: string }[] = [];
  let reading = false;
  const next = () => {
    if (reading || waiting.length === 0) return;
    const { docker, id } = waiting.shift()!;
    reading = true;
    void readPackagesAhead(docker, workDir, family, id).then(() => {
      reading = false;
      next();
    });
  };
  return {
    add(docker, id) {
      waiting.push({ docker, id });
      next();
    },
    nudge: next,
  };
}

/** the licences read ahead, by work folder: a child reads only those of packages its parent lacked */
const aheadLicences = new Map<string, LicenceCache>();
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
