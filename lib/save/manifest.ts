/**
 * What a save folder holds, as data: which archives to write (one for the family, or one per
 * image), the manifest.json that describes them, SHA256SUMS, and whether an archive already in
 * the folder is the one we would write.
 */
import { familyArchiveName, perImageArchiveName } from '../naming';
import type { ShipImage } from '../ship';

export interface ArchivePlan {
  /** file name inside the save folder */
  file: string;
  images: ShipImage[];
}

/** One archive for all (shared layers stored once), or the original's one per image. */
export function planArchives(images: readonly ShipImage[], os: string, version: string, perImage: boolean): ArchivePlan[] {
  if (images.length === 0) return [];
  if (!perImage) return [{ file: familyArchiveName(os, version), images: [...images] }];
  return images.map((image) => ({ file: perImageArchiveName(image.component, os, version), images: [image] }));
}

export interface SavedArchive {
  file: string;
  sha256: string;
  size: number;
  /** image references inside, as `docker load` restores them */
  images: string[];
}

export interface SavedImage {
  component: string;
  ref: string;
  /** the tags the archive restores */
  tags: string[];
  id: string;
  inputHash: string;
  size: number | null;
  archive: string;
}

/** An image's SBOM and provenance beside the archive (paths relative to the save folder). */
export interface SavedDocuments {
  ref: string;
  id: string;
  sbom: { file: string; sha256: string };
  provenance: { file: string; sha256: string };
}

export interface SaveManifest {
  version: string;
  os: string;
  archives: SavedArchive[];
  images: SavedImage[];
  ansible: { file: string; sha256: string; commit: string } | null;
  /** absent in folders saved before SBOMs were written */
  documents?: SavedDocuments[];
}

/** Where an image's documents go in the save folder: sbom/<name>.cdx.json, provenance/<name>.intoto.json. */
export const documentFiles = (name: string) => ({ sbom: `sbom/${name}.cdx.json`, provenance: `provenance/${name}.intoto.json` });

export function saveManifest(m: SaveManifest): string {
  return `${JSON.stringify(m, null, 2)}\n`;
}

/** A manifest.json found in the save folder; null when there is none or it is not ours. */
export function parseSaveManifest(text: string | null): SaveManifest | null {
  if (text === null) return null;
  try {
    const m = JSON.parse(text) as SaveManifest;
    if (!Array.isArray(m.archives) || !Array.isArray(m.images)) return null;
    return m;
  } catch {
    return null;
  }
}

/** `sha256sum -c` format, sorted by name. */
export function sha256Sums(files: Record<string, string>): string {
  return Object.keys(files).sort().map((f) => `${files[f]}  ${f}\n`).join('');
}

export function parseSha256Sums(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (m) out[m[2]] = m[1];
  }
  return out;
}

/**
 * The archive the previous save wrote for the same images (same names, same ids), if any.
 * The caller still checks that the file on disk has the recorded size and hash.
 */
export function previousArchive(previous: SaveManifest | null, plan: ArchivePlan): SavedArchive | null {
  if (!previous) return null;
  const archive = previous.archives.find((a) => a.file === plan.file);
  if (!archive) return null;
  const want = new Map(plan.images.map((i) => [i.ref, i.id]));
  const had = previous.images.filter((i) => i.archive === plan.file);
  if (had.length !== want.size || archive.images.length !== want.size) return null;
  for (const i of had) if (want.get(i.ref) !== i.id) return null;
  return archive;
}
