/**
 * What buildImages and plan share: the prepared inputs (repo, ansible artifact, OS image), each
 * image's Dockerfile read and parsed with its build arguments, the graph of the selection, and
 * the content hash of one image given its parents' ids.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Docker from 'dockerode';
import type { BaseImage } from '../lib/docker/baseImage';
import { inputError } from '../lib/errors';
import { sha256 } from '../lib/hash';
import { stageContext } from '../lib/images/context';
import { DockerfileError, normalizeRef, parseDockerfile, type ParentRef } from '../lib/images/dockerfile';
import { BASE, buildArgsFor, type FamilyImage, familyImages, standardBuildArgs } from '../lib/images/family';
import { buildGraph, type ImageGraph, subgraph, withAncestors } from '../lib/images/graph';
import { argHashes, contextHash, type ImageInputs, packageHashes, short } from '../lib/images/inputs';
import type { ExistingImage } from '../lib/images/skip';
import type { Run } from '../lib/run';
import type { AnsibleResult, RepoResult } from '../lib/steps';
import { workPaths } from '../lib/workDir';
import { baseImage } from './baseImage';
import { contrailAnsible } from './contrailAnsible';
import { contrailRepo } from './contrailRepo';
import { inspectOrNull } from '../lib/docker/notFound';

export interface PreparedImage extends FamilyImage {
  dockerfileText: string;
  buildArgs: Record<string, string>;
  /** images its Dockerfile names (FROM, COPY --from) */
  parentRefs: ParentRef[];
  /** a Dockerfile that cannot be read or parsed: the image fails with this */
  problem: string | null;
}

export interface PreparedFamily {
  images: Map<string, PreparedImage>;
  /** the selection with its ancestors */
  graph: ImageGraph;
  repo: RepoResult;
  ansible: AnsibleResult;
  base: BaseImage;
}

export async function prepareFamily(run: Run): Promise<PreparedFamily> {
  const c = run.config;
  if (Object.keys(c.images).length === 0) {
    throw inputError(`${c.configFile ?? 'the config'} defines no images (key "images")`, 'see config.json: one entry per image, "base" for contrail-base');
  }
  const [repo, ansible, base] = await Promise.all([contrailRepo(run), contrailAnsible(run), baseImage(run)]);
  const images = new Map<string, PreparedImage>();
  for (const f of familyImages(c.images, c.os, c.version, ansible.artifact)) {
    images.set(f.name, readImage(f, c.images[f.name].dockerfile, standardBuildArgs(f.name, f.recipe, {
      version: c.version, os: c.os, baseImage: c.baseImage, repo,
    })));
  }
  const all = buildGraph([...images.values()].map((i) => ({ name: i.name, ref: i.ref, parentRefs: i.parentRefs.map((p) => p.ref) })));
  return { images, graph: subgraph(all, withAncestors(all, c.select)), repo, ansible, base };
}

function readImage(f: FamilyImage, dockerfile: string, standard: Record<string, string>): PreparedImage {
  const at = `images.${f.name}.dockerfile`;
  let text: string;
  try {
    text = fs.readFileSync(dockerfile, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { ...f, dockerfileText: '', buildArgs: {}, parentRefs: [],
      problem: `Dockerfile ${dockerfile} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`} (${at}, default dockerfiles/${f.name}/Dockerfile)` };
  }
  try {
    // substitution in FROM sees the build arguments the image will get
    const all = { ...standard, ...f.recipe.buildArgs };
    const parsed = parseDockerfile(text, all);
    return { ...f, dockerfileText: text, buildArgs: buildArgsFor(parsed.args, standard, f.recipe.buildArgs), parentRefs: parsed.parents, problem: null };
  } catch (e) {
    if (!(e instanceof DockerfileError)) throw e;
    return { ...f, dockerfileText: text, buildArgs: {}, parentRefs: [], problem: `Dockerfile ${dockerfile} ${e.message}` };
  }
}

export async function existingImage(docker: Docker, ref: string): Promise<(ExistingImage & { size: number }) | null> {
  const i = await inspectOrNull(docker.getImage(ref).inspect());
  return i && { id: i.Id, labels: i.Config?.Labels ?? {}, size: i.Size };
}

/** Stages the context under <workDir>/tmp/contexts/<image> and hashes everything the image is made from. */
export async function imageInputs(run: Run, family: PreparedFamily, img: PreparedImage, parentIds: Record<string, string>) {
  const staged = await stageContext(img.contextDir, path.join(workPaths(run.config.workDir).tmp, 'contexts', img.name), img.extra);
  const generated = new Set([img.dockerfileName, ...Object.keys(img.extra)]);
  const inputs: ImageInputs = {
    dockerfile: short(sha256(img.dockerfileText)),
    context: contextHash(staged.files.filter((f) => !generated.has(f.path))),
    args: argHashes(img.buildArgs),
    parents: parentIds,
    packages: packageHashes(img.recipe.packages, family.repo),
  };
  if (img.name === BASE) inputs.ansible = family.ansible.sha256;
  return { inputs, staged };
}

/** The OS image goes by the id the baseImage step found, whatever spelling FROM used. */
export const isBaseImage = (family: PreparedFamily, ref: string) => normalizeRef(ref) === normalizeRef(family.base.ref);
