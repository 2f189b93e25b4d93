/**
 * The builder image (contrail-builder-<os>:<version>: the base image with dpkg-dev,
 * build-essential, debhelper, devscripts and equivs) and a container from it that builds sources
 * one after another. Files move through the engine API only.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { PROJECT_ROOT } from '../config/defaults';
import { putFiles, putFolder, getFiles } from '../docker/archive';
import { buildHelperImage, currentImageId } from '../docker/helperImage';
import { execIn } from '../docker/exec';
import { LABELS, projectLabels } from '../docker/labels';
import { withoutGit, treeHash } from '../fs/treeHash';
import { hashJson } from '../hash';
import type { Logger } from '../log';
import { builderImageRef } from '../naming';
import { formatDuration } from '../text';
import { folderTar } from '../docker/archive';

export const BUILDER_CONTEXT = path.join(PROJECT_ROOT, 'dockerfiles', 'contrail-builder');
/** Part of the recipe: no automatic -dbgsym packages (nobody installs them into images). */
export const BUILD_ENV = ['DEB_BUILD_OPTIONS=noautodbgsym', 'DEBIAN_FRONTEND=noninteractive'];

/** The builder's hash, from its recipe files and the base image: computed without Docker. */
export function builderHash(baseImageId: string, context = BUILDER_CONTEXT): string {
  return hashJson({ context: treeHash(context), base: baseImageId, env: BUILD_ENV });
}

/** What differs between the deb and the rpm builder: its recipe, its build command, its outputs. */
export interface BuilderFlavor {
  context: string;
  /** the command that builds source `name`; `arg` is the debian/ subfolder, or the spec file */
  command(name: string, arg: string): string[];
  /** the extension of the files it makes */
  ext: string;
}

export const DEB_BUILDER: BuilderFlavor = {
  context: BUILDER_CONTEXT,
  command: (name, subdir) => ['contrail-build-source', name, subdir],
  ext: '.deb',
};

export interface BuilderRequest {
  os: string;
  version: string;
  baseImage: { ref: string; id: string };
  network: string;
  logFile: string;
  signal?: AbortSignal;
  /** default: the recipe folder of the deb builder */
  context?: string;
}

/** The builder image, reused while its label matches, else built. */
export async function ensureBuilderImage(docker: Docker, req: BuilderRequest, log: Logger): Promise<{ ref: string; id: string }> {
  const ref = builderImageRef(req.os, req.version);
  const context = req.context ?? BUILDER_CONTEXT;
  const hash = builderHash(req.baseImage.id, context);
  const current = await currentImageId(docker, ref, hash);
  if (current) return { ref, id: current };
  const started = Date.now();
  log.info(`packageBuild: building the builder image ${ref} (log: ${req.logFile})`);
  const id = await buildHelperImage(docker, {
    ref, hash, role: 'builder', os: req.os, version: req.version,
    context: folderTar(context),
    buildArgs: { BASE_IMAGE: req.baseImage.ref },
    network: req.network, logFile: req.logFile, signal: req.signal,
    what: 'packageBuild: the builder image',
  });
  log.info(`packageBuild: builder image ${ref} built in ${formatDuration(Date.now() - started)}`);
  return { ref, id };
}

/** A running builder container; `close()` removes it. */
export interface Builder {
  container: Docker.Container;
  /** adds packages (built earlier, or skipped) to the container's local repository */
  addPackages(dir: string, files: string[]): Promise<void>;
  /** builds one source; returns the exit code, its output in `logFile` */
  build(name: string, tree: string, subdir: string, logFile: string): Promise<number>;
  /** copies the .deb files the source built into `dest` (created); returns their paths */
  outputs(name: string, dest: string): Promise<string[]>;
  close(): Promise<void>;
}

export async function startBuilder(docker: Docker, imageId: string, network: string, workDir: string, signal?: AbortSignal, flavor: BuilderFlavor = DEB_BUILDER): Promise<Builder> {
  const container = await docker.createContainer({
    Image: imageId,
    Cmd: ['sleep', 'infinity'],
    Labels: projectLabels('builder', { [LABELS.workDir]: workDir }),
    HostConfig: { NetworkMode: network },
  });
  const close = async () => {
    try {
      await container.remove({ force: true });
    } catch {
      // already gone
    }
  };
  try {
    await container.start();
  } catch (e) {
    await close();
    throw e;
  }
  return {
    container,
    addPackages: (dir, files) => putFiles(container, dir, files, '/build/repo'),
    async build(name, tree, subdir, logFile) {
      await putFolder(container, tree, '/build/src', { prefix: `${name}/tree`, exclude: withoutGit });
      fs.mkdirSync(path.dirname(logFile), { recursive: true });
      const fd = fs.openSync(logFile, 'w');
      try {
        return await execIn(container, flavor.command(name, subdir), {
          env: BUILD_ENV,
          onStdout: (b) => fs.writeSync(fd, b),
          onStderr: (b) => fs.writeSync(fd, b),
          signal,
        });
      } finally {
        fs.closeSync(fd);
      }
    },
    async outputs(name, dest) {
      const files = await getFiles(container, `/build/out/${name}`, dest, (p) => p.endsWith(flavor.ext));
      return files.map((f) => path.join(dest, f));
    },
    close,
  };
}
