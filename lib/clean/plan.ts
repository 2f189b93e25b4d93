/**
 * What clean removes, decided from what the engine and the work folder hold, before anything is
 * removed. Only things carrying this project's labels, and of them only those of this config's
 * os, version and work folder, so two builds (or two test files) on one machine leave each other
 * alone. A container run by a user from one of our images is not ours: only the containers we
 * start (repo, builder, galaxy, build steps) and the ones an interrupted `docker build` left.
 */
import { LABELS, PROJECT, type Role } from '../docker/labels';

export interface ImageInfo {
  id: string;
  /** familiar names; empty for a dangling image */
  tags: string[];
  labels: Record<string, string>;
  /** seconds since the epoch */
  created: number;
}

export interface ContainerInfo {
  id: string;
  name: string;
  labels: Record<string, string>;
  /** the image as the container was created from it: a name, or an id for a build step's container */
  image: string;
  imageId: string;
  state: string;
}

export interface CleanScope {
  os: string;
  version: string;
  /** absolute */
  workDir: string;
  baseImage: string;
  /** every image name this config gives (family, repo, builder, galaxy) */
  ownNames: string[];
  keepImages: boolean;
  /** --all: also the base OS image, when we bootstrapped it */
  all: boolean;
}

export interface CleanPlan {
  /** with why each is ours: its role, or 'left by an interrupted build' */
  containers: (ContainerInfo & { why: string })[];
  /** children before parents */
  images: ImageInfo[];
  /** what is left alone although it matched, and why */
  kept: string[];
}

/** Roles of containers this project starts itself. */
const STARTED_BY_US: ReadonlySet<string> = new Set<Role>(['repo', 'builder', 'galaxy', 'build-step']);

const familiar = (ref: string) => ref.replace(/^docker\.io\/library\//, '').replace(/^docker\.io\//, '');
const normalTag = (ref: string) => familiar(ref.includes(':', ref.lastIndexOf('/') + 1) ? ref : `${ref}:latest`);

/**
 * Whether labels (and, when they say nothing about it, names) put a thing in this config's scope.
 * The classic builder applies build labels one LABEL step at a time, in no fixed order, so an
 * image made half-way through a build (of another config, running now) can carry our os label
 * without our version: only a complete match counts, never a partial one.
 */
export function inScope(labels: Record<string, string>, tags: readonly string[], scope: CleanScope): boolean {
  if (labels[LABELS.project] !== PROJECT) return false;
  if (labels[LABELS.role] === 'base-os') return false; // only ever by name, with --all
  const version = labels[LABELS.version];
  const os = labels[LABELS.os];
  const workDir = labels[LABELS.workDir];
  if (workDir !== undefined) {
    return workDir === scope.workDir && (version ?? scope.version) === scope.version && (os ?? scope.os) === scope.os;
  }
  if (version !== undefined || os !== undefined) return version === scope.version && os === scope.os;
  const own = new Set(scope.ownNames.map(normalTag));
  return tags.some((t) => own.has(normalTag(t)));
}

/** A container the classic builder made for a step: created from an image id, not a name. */
const isBuildStep = (c: ContainerInfo) => /^(sha256:)?[0-9a-f]{12,64}$/.test(c.image);

export function planClean(state: { containers: ContainerInfo[]; images: ImageInfo[] }, scope: CleanScope): CleanPlan {
  const kept: string[] = [];
  const containers: CleanPlan['containers'] = [];
  for (const c of state.containers) {
    if (!inScope(c.labels, [c.image], scope)) continue;
    const role = c.labels[LABELS.role];
    if (STARTED_BY_US.has(role)) containers.push({ ...c, why: role });
    // a build step of one of our images inherits that image's labels; a user's container does too
    else if (isBuildStep(c) && c.state !== 'running') containers.push({ ...c, why: 'left by an interrupted build' });
    else kept.push(`container ${c.name}: runs ${c.image}, but was not started by this project`);
  }

  let images: ImageInfo[] = [];
  if (!scope.keepImages) {
    images = state.images.filter((i) => inScope(i.labels, i.tags, scope));
    if (scope.all) {
      const base = normalTag(scope.baseImage);
      const os = state.images.find((i) => i.labels[LABELS.project] === PROJECT && i.labels[LABELS.role] === 'base-os'
        && i.tags.some((t) => normalTag(t) === base));
      if (os) images.push(os);
      else if (state.images.some((i) => i.tags.some((t) => normalTag(t) === base))) {
        kept.push(`image ${scope.baseImage}: not bootstrapped by this project`);
      }
    }
    const removed = new Set(containers.map((c) => c.id));
    images = images.filter((i) => {
      const users = state.containers.filter((c) => c.imageId === i.id && !removed.has(c.id));
      if (users.length) {
        kept.push(`image ${i.tags[0] ?? i.id}: used by container ${users.map((c) => c.name).join(', ')}`);
        return false;
      }
      return true;
    });
    images.sort((a, b) => b.created - a.created);
  }
  return { containers, images, kept };
}
