/**
 * packageBuild's use of the cache registry. The contrail-repo image built from sources carries
 * the key of those sources (each one's resolved commit or folder hash, and the build recipe) and
 * the packageBuild manifest it was made with, and push publishes it also as
 * `contrail-repo-<os>:src-<key>`. On a host whose work folder lacks the packages, a registry
 * holding that key gives them back: the image is pulled (it is the repo contrailRepo will serve),
 * its .deb files are copied out of it, checked against the manifest's sha256, and the manifest is
 * restored, so packageBuild finds every source unchanged and builds nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { PACKAGES_MANIFEST_LABEL } from '../docker/labels';
import { getFiles } from '../docker/archive';
import { describeError } from '../errors';
import { writeFileAtomic } from '../fs/atomic';
import { sha256File, hashJson } from '../hash';
import type { Logger } from '../log';
import { repoImageRef } from '../naming';
import { type Manifest, parseManifest } from '../packages/buildPlan';
import { sourcesTag } from './identity';
import type { RegistryCache } from './registryCache';
import { HOW } from './run';

/** The key of a set of sources: their packageBuild keys, in the configured order. */
export const sourcesKey = (keys: readonly string[]): string => hashJson({ sources: keys });

/** Whether the manifest has every key and every recorded file is present (the work folder has the packages). */
export function packagesPresent(manifest: Manifest | null, keys: readonly string[], present: (file: string) => boolean): boolean {
  if (!manifest) return false;
  return keys.every((k) => {
    const e = manifest.sources.find((s) => s.key === k);
    return !!e && e.files.length > 0 && e.files.every((f) => present(f.file));
  });
}

/** The manifest a cached repo image carries, when it covers exactly these keys. */
export function manifestFromLabels(labels: Record<string, string>, keys: readonly string[]): Manifest | null {
  const m = parseManifest(labels[PACKAGES_MANIFEST_LABEL] ?? null);
  if (!m || m.sources.length !== keys.length || !keys.every((k) => m.sources.some((s) => s.key === k))) return null;
  return m;
}

export interface RestoreRequest {
  cache: RegistryCache | null;
  docker: Docker;
  os: string;
  version: string;
  keys: string[];
  /** <workDir>/packages and its manifest.json */
  dir: string;
  manifestFile: string;
  log: Logger;
  signal: AbortSignal;
}

/** The repo image the cache registry holds for these sources' keys, with its manifest; null when it has none (a manifest request, no pull). */
export async function findPackages(cache: RegistryCache | null, os: string, version: string, keys: readonly string[]) {
  if (!cache) return null;
  const found = await cache.find(repoImageRef(os, version), sourcesTag(sourcesKey(keys)));
  const manifest = found && manifestFromLabels(found.labels, keys);
  return found && manifest ? { found, manifest } : null;
}

/** Restores the packages from the cache registry; false when it has none for these sources (then they are built). */
export async function restorePackages(req: RestoreRequest): Promise<boolean> {
  const ref = repoImageRef(req.os, req.version);
  const key = sourcesKey(req.keys);
  const stored = await findPackages(req.cache, req.os, req.version, req.keys);
  if (!req.cache || !stored) return false;
  const { found, manifest } = stored;
  const started = Date.now();
  try {
    await req.cache.pull(found, ref, req.signal);
    const container = await req.docker.createContainer({ Image: found.id, Cmd: ['true'], Labels: {} });
    const scratch = fs.mkdtempSync(path.join(req.dir, '.tmp-restore-'));
    try {
      const wanted = new Map(manifest.sources.flatMap((s) => s.files.map((f) => [f.file, f.sha256] as const)));
      const files = await getFiles(container, '/srv/contrail-repo', scratch, (p) => wanted.has(path.basename(p)));
      const byName = new Map(files.map((f) => [path.basename(f), path.join(scratch, f)]));
      for (const [file, sum] of wanted) {
        const got = byName.get(file);
        if (!got) throw new Error(`${file} is not in the image`);
        if ((await sha256File(got)) !== sum) throw new Error(`${file} in the image does not have the manifest's sha256`);
      }
      for (const [file, got] of byName) fs.renameSync(got, path.join(req.dir, file));
      writeFileAtomic(req.manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
      await container.remove({ force: true }).catch(() => {});
    }
  } catch (e) {
    if (req.signal.aborted) throw e;
    req.log.warn(`packageBuild: the registry has these sources' packages, but restoring them failed (${describeError(e)}); building them`);
    return false;
  }
  req.log.info(`packageBuild: ${HOW.registry}: ${ref} (sources key ${key.slice(0, 12)}), ${manifest.sources.length} sources' packages restored in ${Date.now() - started} ms`);
  return true;
}
