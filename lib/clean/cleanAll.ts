/** clean: reads what exists (engine labels, work folder), plans, removes, and says what it removed. */
import type Docker from 'dockerode';
import { localImage } from '../docker/images';
import type { ResolvedConfig } from '../config/load';
import { projectFilter } from '../docker/labels';
import type { Logger } from '../log';
import { builderImageRef, galaxyImageRef, imageRef, repoImageRef } from '../naming';
import { planClean, type CleanPlan, type CleanScope, type ContainerInfo, type ImageInfo } from './plan';
import { checkWorkDirForClean, removePaths, workLeftovers } from './workFiles';
import { statusOf } from '../docker/notFound';

export interface CleanResult {
  containers: string[];
  images: string[];
  paths: string[];
  kept: string[];
}

export function cleanScope(config: ResolvedConfig): CleanScope {
  const components = new Set(['base', ...Object.keys(config.images)]);
  return {
    os: config.os,
    version: config.version,
    workDir: config.workDir,
    baseImage: config.baseImage,
    ownNames: [
      ...[...components].map((c) => imageRef(c, config.os, config.version)),
      repoImageRef(config.os, config.version),
      builderImageRef(config.os, config.version),
      galaxyImageRef(config.os, config.version),
    ],
    keepImages: config.keepImages,
    all: config.flags.all,
  };
}

/** Local inputs the config reads: never removed, even inside the work folder. */
export function configInputs(config: ResolvedConfig): string[] {
  const out: string[] = [];
  const local = (p: string | null) => {
    if (p && p.startsWith('/')) out.push(p);
  };
  local(config.ansible.repo.replace(/^file:\/\//, ''));
  local(config.ansible.artifact);
  local(config.packages.tar);
  local(config.packages.dir);
  for (const s of config.packages.build.sources) local('path' in s ? s.path : ('git' in s ? s.git : s.manifest.url).replace(/^file:\/\//, ''));
  return out;
}

export async function readEngineState(docker: Docker): Promise<{ containers: ContainerInfo[]; images: ImageInfo[] }> {
  const filters = projectFilter();
  const [containers, images, all] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listImages({ filters }),
    // the containers of any image: an image in use by a container we do not remove stays
    docker.listContainers({ all: true }),
  ]);
  const ours = new Set(containers.map((c) => c.Id));
  const toInfo = (c: Docker.ContainerInfo): ContainerInfo => ({
    id: c.Id, name: (c.Names[0] ?? c.Id).replace(/^\//, ''), labels: c.Labels ?? {}, image: c.Image, imageId: c.ImageID, state: c.State,
  });
  return {
    containers: [...containers.map(toInfo), ...all.filter((c) => !ours.has(c.Id)).map((c) => ({ ...toInfo(c), labels: {} }))],
    images: images.map((i) => ({
      id: i.Id,
      tags: (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>'),
      labels: i.Labels ?? {},
      created: i.Created,
    })),
  };
}


export async function cleanAll(docker: Docker, config: ResolvedConfig, log: Logger): Promise<CleanResult> {
  checkWorkDirForClean(config.workDir);
  const scope = cleanScope(config);
  const state = await readEngineState(docker);
  if (scope.all) {
    // the base OS image by name, labelled or not, so --all can say why it stays
    const info = await localImage(docker, config.baseImage);
    if (info && !state.images.some((i) => i.id === info.id)) {
      state.images.push({ id: info.id, tags: info.tags, labels: info.labels, created: info.created });
    }
  }
  const plan: CleanPlan = planClean(state, scope);
  const result: CleanResult = { containers: [], images: [], paths: [], kept: [...plan.kept] };

  for (const c of plan.containers) {
    try {
      await docker.getContainer(c.id).remove({ force: true, v: true });
      result.containers.push(c.name);
      log.info(`removed container ${c.name} (${c.why})`);
    } catch (e) {
      if (statusOf(e) !== 404) throw e;
    }
  }
  for (const i of plan.images) {
    const name = i.tags.length ? i.tags.join(', ') : `<untagged> ${i.id.slice(7, 19)}`;
    try {
      await docker.getImage(i.id).remove({ force: true });
      result.images.push(name);
      log.info(`removed image ${name}`);
    } catch (e) {
      if (statusOf(e) === 404) continue;
      if (statusOf(e) === 409) {
        // an image someone built on top of ours
        result.kept.push(`image ${name}: ${(e as Error).message.replace(/^.*?conflict: /s, '')}`);
        continue;
      }
      throw e;
    }
  }
  const paths = await removePaths(config.workDir, workLeftovers(config.workDir, configInputs(config)));
  for (const p of paths) log.info(`removed ${p}`);
  result.paths = paths;
  for (const k of result.kept) log.info(`kept ${k}`);
  if (!result.containers.length && !result.images.length && !result.paths.length) {
    log.info(`nothing to remove for ${config.os} ${config.version} (work folder ${config.workDir})`);
  }
  return result;
}
