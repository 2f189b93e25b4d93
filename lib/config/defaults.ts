import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * The project's own folder (dockerfiles/, examples/, config.json live here): the nearest folder up
 * with a package.json, the same from the sources (lib/config/) as from the compiled
 * dist/gulpfile.js (scripts/compile.js).
 */
export const PROJECT_ROOT = projectRoot(__dirname);

function projectRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(from, '..', '..');
  }
}

/** A manifest far past contrail-vnc's (16 projects, no include) and AOSP's (about 1000 projects) still passes. */
export const MANIFEST_LIMITS = { maxMegabytes: 16, maxProjects: 10000, maxIncludeDepth: 16, maxIncludes: 256 } as const;

/** A registry that answers at all answers within minutes; manifests are 4 MiB at most by the distribution spec. */
export const REGISTRY_LIMITS = { requestSeconds: 300, maxManifestKilobytes: 4096, maxBlobMegabytes: 2048 } as const;

/**
 * Built-in defaults: the lowest layer. Everything a user may leave out of config.json.
 * `version` has no default: a build must say what it builds.
 */
export function builtinDefaults(): Record<string, unknown> {
  return {
    os: 'ubuntu16.04',
    osFamily: null,
    baseImage: 'ubuntu:16.04',
    bootstrap: null,
    workDir: '.build',
    packages: { tar: null, dir: null, url: null, key: null, trusted: false, build: { sources: [], expect: [] } },
    repo: { host: '127.0.0.1', port: 1567, priority: 1001, allowNonLoopback: false },
    ansible: {
      artifact: null,
      repo: 'https://github.com/Juniper/contrail-ansible.git',
      ref: 'master',
    },
    manifestLimits: { ...MANIFEST_LIMITS },
    registryLimits: { ...REGISTRY_LIMITS },
    download: { maxMegabytes: 8192, timeoutMinutes: 60 },
    images: {},
    select: null,
    registry: null,
    push: { user: null, retries: 4 },
    cache: { registry: null },
    ci: { format: null, runner: null, schedule: null, manual: true, secrets: { registry: 'CONTRAIL_REGISTRY', user: 'CONTRAIL_REGISTRY_USER', password: 'CONTRAIL_REGISTRY_PASSWORD' } },
    saveDir: null,
    save: { perImage: false, gzipLevel: 1 },
    jobs: Math.max(1, os.availableParallelism?.() ?? os.cpus().length),
    network: 'host',
    keepImages: false,
    noCache: false,
    builder: 'auto',
  };
}
