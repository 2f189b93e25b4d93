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
 * push find it kept and a shipping run's documents add little to its build (buildImages calls it
 * for each image it built). A failed read is read again, and reported, by the step that ships.
 */
export function readPackagesAhead(docker: Docker, workDir: string, family: 'deb' | 'rpm', id: string): void {
  let licences = aheadLicences.get(workDir);
  if (!licences) aheadLicences.set(workDir, (licences = new Map()));
  packageDatabase(docker, workDir, family, id, licences).catch(() => {});
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
