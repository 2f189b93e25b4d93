/**
 * The contrail-repo image and container: built from the base image with the .deb files in its
 * build context, served with host networking on repo.host:repo.port, and found again by the hash
 * label on both (reality, not stamp files): same packages -> the running container is reused;
 * stopped -> started; different packages -> rebuilt and replaced.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type Docker from 'dockerode';
import { PROJECT_ROOT } from '../config/defaults';
import { buildHelperImage } from '../docker/helperImage';
import { containerLogTail, execCapture } from '../docker/exec';
import { LABELS, projectLabels } from '../docker/labels';
import { buildError, inputError } from '../errors';
import { hashJson } from '../hash';
import type { Logger } from '../log';
import { repoContainerName, repoImageRef } from '../naming';
import { treeHash } from '../fs/treeHash';
import { formatDuration } from '../text';
import { repoUrl } from './aptSource';
import type { RepoFile } from './collect';
import { summarizeIndex, type IndexSummary } from './packagesIndex';
import { localContainer } from '../docker/containers';
import { localImage, removeImage } from '../docker/images';
import { folderTar } from '../docker/archive';
import { type Fetched, readRepoIndex, type RepoFlavor } from './repoIndex';
import { planRepoServer, repoImageStale } from '../plan/repoPlan';

export const REPO_CONTEXT = path.join(PROJECT_ROOT, 'dockerfiles', 'contrail-repo');

export const DEB_REPO_FLAVOR: RepoFlavor = {
  context: REPO_CONTEXT,
  filesDir: 'debs',
  readyPath: 'Packages.gz',
  fetchInside: (container, url) => wgetInside(container, url),
  readIndex: (fetch, url) => readPackagesGz(fetch, url),
  summarize: summarizeIndex,
};

export interface RepoServerRequest {
  os: string;
  version: string;
  host: string;
  port: number;
  network: string;
  baseImage: { ref: string; id: string };
  /** identifies the package set: the same id means the same files */
  packageSetId: string;
  /** the package files, asked for only when the image must be built */
  files: () => Promise<RepoFile[]>;
  /** more labels for the image (the sources key and manifest when built from sources) */
  labels?: Record<string, string>;
  /** scratch space for the build context */
  tmpDir: string;
  logFile: string;
  readyTimeoutMs?: number;
  signal?: AbortSignal;
  /** deb (the default) or rpm */
  flavor?: RepoFlavor;
}

export interface RepoServer {
  url: string;
  image: { ref: string; id: string };
  container: { name: string; id: string };
  index: IndexSummary;
  /** what happened: for the log line and the tests */
  action: 'reused' | 'started' | 'created';
  imageBuilt: boolean;
}


/** The hash the repo image is labelled with: its recipe, its base, its packages. */
export function repoImageHash(req: Pick<RepoServerRequest, 'baseImage' | 'packageSetId' | 'flavor'>): string {
  return hashJson({ recipe: treeHash((req.flavor ?? DEB_REPO_FLAVOR).context), base: req.baseImage.id, packages: req.packageSetId });
}

/** The hash the repo container is labelled with: its image's hash and the address it serves. */
export const repoContainerHash = (imageHash: string, host: string, port: number): string => hashJson({ image: imageHash, host, port });

async function buildRepoImage(docker: Docker, req: RepoServerRequest, ref: string, hash: string, log: Logger): Promise<string> {
  const files = await req.files();
  const flavor = req.flavor ?? DEB_REPO_FLAVOR;
  fs.mkdirSync(req.tmpDir, { recursive: true });
  const context = fs.mkdtempSync(path.join(req.tmpDir, 'repo-context-'));
  try {
    for (const f of fs.readdirSync(flavor.context)) fs.copyFileSync(path.join(flavor.context, f), path.join(context, f));
    fs.mkdirSync(path.join(context, flavor.filesDir));
    for (const d of files) {
      const target = path.join(context, flavor.filesDir, d.name);
      try {
        fs.linkSync(d.file, target);
      } catch {
        fs.copyFileSync(d.file, target);
      }
    }
    const started = Date.now();
    log.info(`contrail-repo: building ${ref} with ${files.length} packages (log: ${req.logFile})`);
    const id = await buildHelperImage(docker, {
      ref, hash, role: 'repo', os: req.os, version: req.version, labels: req.labels,
      context: folderTar(context),
      buildArgs: { BASE_IMAGE: req.baseImage.ref },
      network: req.network, logFile: req.logFile, signal: req.signal,
      what: 'contrail-repo: the repo image',
    });
    log.info(`contrail-repo: built ${ref} in ${formatDuration(Date.now() - started)}`);
    return id;
  } finally {
    fs.rmSync(context, { recursive: true, force: true });
  }
}

/** One URL's body from inside the container: busybox is in every deb repo image (it serves). */
async function wgetInside(container: Docker.Container, url: string): Promise<Fetched> {
  let r;
  try {
    // coreutils' timeout, not wget -T: busybox 1.35's wget crashes with -T
    r = await execCapture(container, ['timeout', '5', 'busybox', 'wget', '-q', '-O', '-', url]);
  } catch (e) {
    return { error: (e as Error).message };
  }
  if (r.code !== 0) return { error: r.stderr.trim() || `wget exited with ${r.code}` };
  return { body: r.stdout };
}

/** The apt index: Packages.gz, decompressed. */
async function readPackagesGz(fetch: (url: string) => Promise<Fetched>, url: string): Promise<{ text?: string; error?: string }> {
  const r = await fetch(`${url}/Packages.gz`);
  if (!r.body) return { error: r.error };
  try {
    return { text: zlib.gunzipSync(r.body).toString('utf8') };
  } catch (e) {
    return { error: `Packages.gz is not gzip data (${(e as Error).message})` };
  }
}

const portTakenHint = (port: number) =>
  `choose another port: repo.port in the config, CONTRAIL_REPO_PORT or --repo-port (e.g. --repo-port ${port === 1567 ? 1568 : 1567}), or stop what listens there`;

/**
 * Waits until the index (`url`/Packages.gz, or repodata/repomd.xml and its primary metadata)
 * answers from the running container; bounded. Its text, and the id of the container that serves it.
 */
async function waitReady(docker: Docker, name: string, req: RepoContainerRequest, url: string): Promise<{ text: string; id: string }> {
  const container = docker.getContainer(name);
  const deadline = Date.now() + (req.readyTimeoutMs ?? 20_000);
  let last = '';
  for (let attempt = 0; ; attempt++) {
    const state = await localContainer(docker, name);
    if (!state?.running) {
      const lines = await containerLogTail(container);
      if (lines.some((l) => /in use/i.test(l))) {
        throw inputError(`contrail-repo: port ${req.port} on ${req.host} is already in use by something else`, portTakenHint(req.port), { details: lines });
      }
      throw buildError(`contrail-repo: the server exited (code ${state?.exitCode ?? 'unknown: the container is gone'}) instead of serving ${url}`,
        'its log is below', { details: lines });
    }
    const r = await readRepoIndex(docker, state, url, req.flavor ?? DEB_REPO_FLAVOR);
    if (r.text !== undefined) return { text: r.text, id: state.id };
    last = r.error ?? '';
    // interrupted while it starts: the interrupt is the error, not a server that did not answer
    req.signal?.throwIfAborted();
    if (Date.now() > deadline) break;
    await new Promise((res) => setTimeout(res, Math.min(100 * 2 ** attempt, 1000)));
  }
  const lines = await containerLogTail(container);
  throw buildError(`contrail-repo: ${url}/${(req.flavor ?? DEB_REPO_FLAVOR).readyPath} did not answer within ${Math.round((req.readyTimeoutMs ?? 20_000) / 1000)} s (${last})`,
    'the server log is below', { details: lines });
}

/** still tagged or used elsewhere: it stays */
const removeQuietly = (docker: Docker, imageId: string) => removeImage(docker, imageId).catch(() => undefined);

export async function ensureRepoServer(docker: Docker, req: RepoServerRequest, log: Logger): Promise<RepoServer> {
  const ref = repoImageRef(req.os, req.version);
  const imageHash = repoImageHash(req);
  const existingImage = await localImage(docker, ref);
  // the image here; the container is serveRepoImage's to inspect and decide (both by the rule
  // `gulp plan` prints, lib/plan/repoPlan.ts)
  const imageBuilt = repoImageStale(existingImage, imageHash);
  const imageId = imageBuilt ? await buildRepoImage(docker, req, ref, imageHash, log) : existingImage!.id;
  try {
    return { ...await serveRepoImage(docker, { ...req, image: { ref, id: imageId, inputHash: imageHash } }, log), imageBuilt };
  } finally {
    // the image this one replaced, once no container uses it (also when the new one does not serve)
    if (existingImage && existingImage.id !== imageId) await removeQuietly(docker, existingImage.id);
  }
}

/** What serveRepoImage needs: a repo image on the engine (built here, or pulled there from the registry) and where to serve it. */
export interface RepoContainerRequest extends Pick<RepoServerRequest, 'os' | 'version' | 'host' | 'port' | 'network' | 'readyTimeoutMs' | 'signal' | 'flavor'> {
  /** the image on this engine: its local name, id and the hash label it carries */
  image: { ref: string; id: string; inputHash: string };
}

/**
 * The repo container of an image already on the engine: reused, started, or (re)created on
 * host:port, then waited for until its index answers. A container this call created is removed
 * when the run is interrupted before it serves: an interrupt leaves no half-started repo.
 */
export async function serveRepoImage(docker: Docker, req: RepoContainerRequest, log: Logger): Promise<Omit<RepoServer, 'imageBuilt'>> {
  const name = repoContainerName(req.os, req.port);
  const url = repoUrl(req.host, req.port);
  const containerHash = repoContainerHash(req.image.inputHash, req.host, req.port);
  const existing = await localContainer(docker, name);
  const plan = planRepoServer({ image: { id: req.image.id, inputHash: req.image.inputHash }, container: existing, imageHash: req.image.inputHash, containerHash });

  const container = docker.getContainer(name);
  const action: RepoServer['action'] = plan.container;
  if (existing && action === 'created') {
    log.info(`contrail-repo: replacing ${name} (its packages or address changed)`);
    await container.remove({ force: true });
  }
  let served: { text: string; id: string };
  try {
    if (action === 'started') {
      await container.start();
    } else if (action === 'created') {
      await docker.createContainer({
        name,
        Image: req.image.id,
        Cmd: ['contrail-repo-serve', req.host.replace(/^\[|\]$/g, ''), String(req.port)],
        Labels: projectLabels('repo', {
          [LABELS.inputHash]: containerHash,
          [LABELS.os]: req.os,
          [LABELS.version]: req.version,
        }),
        HostConfig: { NetworkMode: req.network },
      });
      req.signal?.throwIfAborted();
      await container.start();
    }
    if (existing && existing.image !== req.image.id) await removeQuietly(docker, existing.image);
    served = await waitReady(docker, name, req, url);
    req.signal?.throwIfAborted();
  } catch (e) {
    // interrupted before it served: no container of this call is left (nor a half-started one)
    if (action === 'created' && req.signal?.aborted) await container.remove({ force: true }).catch(() => undefined);
    throw e;
  }
  return { url, image: { ref: req.image.ref, id: req.image.id }, container: { name, id: served.id }, index: (req.flavor ?? DEB_REPO_FLAVOR).summarize(served.text), action };
}
