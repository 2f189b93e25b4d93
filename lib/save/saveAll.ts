/**
 * save: the images (one archive, or one per image), the ansible artifact, manifest.json and
 * SHA256SUMS, into the save folder. An archive whose images have not changed since the last save
 * is kept as it is, once its size and hash are confirmed on disk.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { writeFileAtomic } from '../fs/atomic';
import { sha256, sha256File } from '../hash';
import type { Logger } from '../log';
import { ansibleArtifactName } from '../naming';
import type { ShipImage } from '../ship';
import type { AnsibleResult } from '../steps';
import { formatBytes, formatDuration } from '../text';
import { copyInto, writeImageArchive } from './archive';
import { type Compressor, gzipCompressor } from './compressor';
import {
  documentFiles, parseSaveManifest, planArchives, previousArchive, saveManifest, sha256Sums,
  type SavedArchive, type SavedDocuments, type SavedImage, type SaveManifest,
} from './manifest';
import { prepareSaveFolder, saveFolderError } from './saveFolder';
import { familiarName, tarTags } from './tarCheck';
import { readTextOrNull } from '../fs/read';

export interface SaveRequest {
  dir: string | null;
  os: string;
  version: string;
  perImage: boolean;
  gzipLevel: number;
  /** default: pigz on every core when it is on PATH, else zlib */
  compressor?: Compressor;
  images: ShipImage[];
  ansible: AnsibleResult | null;
  /** each image's SBOM and provenance (lib/sbom/gather.ts), written beside the archive */
  documents?: ImageDocumentsText[];
  log: Logger;
  signal?: AbortSignal;
}

export interface SaveResult {
  dir: string;
  /** file name -> 'written' | 'unchanged' */
  files: Record<string, 'written' | 'unchanged'>;
  manifest: SaveManifest;
}

async function unchangedOnDisk(file: string, recorded: SavedArchive | { sha256: string; size?: number }): Promise<boolean> {
  try {
    const st = fs.statSync(file);
    if (!st.isFile() || (recorded.size !== undefined && st.size !== recorded.size)) return false;
    return (await sha256File(file)) === recorded.sha256;
  } catch {
    return false;
  }
}

function writeSmall(dir: string, name: string, text: string, files: SaveResult['files']): string {
  const file = path.join(dir, name);
  if (readTextOrNull(file) === text) {
    files[name] = 'unchanged';
  } else {
    try {
      writeFileAtomic(file, text);
    } catch (e) {
      throw saveFolderError(e, dir, file);
    }
    files[name] = 'written';
  }
  return sha256(text);
}

/** An image's documents as text: `name` is the image's name without its tag. */
export interface ImageDocumentsText {
  ref: string;
  id: string;
  name: string;
  sbom: string;
  provenance: string;
}

function writeDocuments(dir: string, docs: ImageDocumentsText[], files: SaveResult['files'], sums: Record<string, string>): SavedDocuments[] {
  return docs.map((d) => {
    const names = documentFiles(d.name);
    const sbom = { file: names.sbom, sha256: writeSmall(dir, names.sbom, d.sbom, files) };
    const provenance = { file: names.provenance, sha256: writeSmall(dir, names.provenance, d.provenance, files) };
    sums[sbom.file] = sbom.sha256;
    sums[provenance.file] = provenance.sha256;
    return { ref: d.ref, id: d.id, sbom, provenance };
  });
}

export async function saveAll(docker: Docker, req: SaveRequest): Promise<SaveResult> {
  const dir = prepareSaveFolder(req.dir);
  const previous = parseSaveManifest(readTextOrNull(path.join(dir, 'manifest.json')));
  const files: SaveResult['files'] = {};
  const sums: Record<string, string> = {};
  const archives: SavedArchive[] = [];
  const images: SavedImage[] = [];
  const compressor = req.compressor ?? gzipCompressor(req.gzipLevel);

  for (const plan of planArchives(req.images, req.os, req.version, req.perImage)) {
    const file = path.join(dir, plan.file);
    const names = plan.images.map((i) => i.ref);
    const prev = previousArchive(previous, plan);
    let archive: SavedArchive;
    let tagsOf: (ref: string) => string[];
    if (prev && (await unchangedOnDisk(file, prev))) {
      archive = prev;
      const before = new Map(previous!.images.filter((i) => i.archive === plan.file).map((i) => [i.ref, i.tags]));
      tagsOf = (ref) => before.get(ref) ?? [ref];
      files[plan.file] = 'unchanged';
      req.log.info(`${plan.file}: unchanged (${names.length} image${names.length === 1 ? '' : 's'}, same ids), kept`);
    } else {
      const started = Date.now();
      req.log.info(`saving ${names.join(', ')} into ${plan.file}, compressed by ${compressor.describe}`);
      const written = await writeImageArchive(docker, { names, file, dir, gzipLevel: req.gzipLevel, compressor, signal: req.signal });
      archive = { file: plan.file, sha256: written.sha256, size: written.size, images: names };
      const entries = tarTags(written.tar.manifest);
      tagsOf = (ref) => entries.find((tags) => tags.some((t) => familiarName(t) === familiarName(ref))) ?? [ref];
      files[plan.file] = 'written';
      req.log.info(`wrote ${plan.file}: ${formatBytes(written.size)} in ${formatDuration(Date.now() - started)}`);
    }
    archives.push(archive);
    sums[plan.file] = archive.sha256;
    for (const i of plan.images) {
      images.push({ component: i.component, ref: i.ref, tags: tagsOf(i.ref), id: i.id, inputHash: i.inputHash, size: i.size, archive: plan.file });
    }
  }

  let ansible: SaveManifest['ansible'] = null;
  if (req.ansible) {
    const name = ansibleArtifactName(req.version);
    const file = path.join(dir, name);
    if (await unchangedOnDisk(file, { sha256: req.ansible.sha256 })) {
      files[name] = 'unchanged';
    } else {
      await copyInto(req.ansible.artifact, file, dir, req.ansible.sha256, req.signal);
      files[name] = 'written';
      req.log.info(`wrote ${name}`);
    }
    sums[name] = req.ansible.sha256;
    ansible = { file: name, sha256: req.ansible.sha256, commit: req.ansible.commit };
  }

  const documents = writeDocuments(dir, req.documents ?? [], files, sums);
  const manifest: SaveManifest = { version: req.version, os: req.os, archives, images, ansible, ...(req.documents ? { documents } : {}) };
  sums['manifest.json'] = writeSmall(dir, 'manifest.json', saveManifest(manifest), files);
  writeSmall(dir, 'SHA256SUMS', sha256Sums(sums), files);
  const written = Object.values(files).filter((s) => s === 'written').length;
  req.log.info(written ? `saved into ${dir}: ${Object.keys(files).length} files, ${written} written` : `saved into ${dir}: nothing changed`);
  return { dir, files, manifest };
}
