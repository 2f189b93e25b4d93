/**
 * The facts plan and buildImages decide from (lib/images/familyPlan.ts): each image's Dockerfile read
 * and parsed with its build arguments, the graph of the selection, each image's own inputs hashed
 * where its files lie (nothing is copied), its parents as found, and the image under its tag now.
 */
import * as fs from 'node:fs';
import type Docker from 'dockerode';
import type { BaseImage } from '../lib/docker/osImage';
import { localImage } from '../lib/docker/images';
import { inputError } from '../lib/errors';
import { sha256 } from '../lib/hash';
import { listContext } from '../lib/images/context';
import { DockerfileError, normalizeRef, parseDockerfile, type ParentRef } from '../lib/images/dockerfile';
import { BASE, buildArgsFor, type FamilyImage, familyImages, standardBuildArgs } from '../lib/images/family';
import { buildGraph, familyLookalike, type ImageGraph, subgraph, withAncestors } from '../lib/images/graph';
import { argHashes, contextHash, packageHashes, short } from '../lib/images/inputs';
import type { ImageFacts, ParentFact } from '../lib/images/familyPlan';
import type { Run } from '../lib/run';
import type { AnsibleResult, RepoResult } from '../lib/steps';

export interface PreparedImage extends FamilyImage {
  dockerfileText: string;
  buildArgs: Record<string, string>;
  /** images its Dockerfile names (FROM, COPY --from) */
  parentRefs: ParentRef[];
  /** a Dockerfile that cannot be read or parsed: the image fails with this */
  problem: string | null;
}

/** What the family is built from: the results of the steps it needs. */
export interface FamilyNeeds {
  repo: RepoResult;
  ansible: AnsibleResult;
  base: BaseImage;
}

export interface PreparedFamily extends FamilyNeeds {
  images: Map<string, PreparedImage>;
  /** the selection with its ancestors */
  graph: ImageGraph;
}

/** Before prep: a config that defines no images is an input error, not a long prep and then one. */
export async function familyDefined(run: Run): Promise<void> {
  const c = run.config;
  if (Object.keys(c.images).length === 0) {
    throw inputError(`${c.configFile ?? 'the config'} defines no images (key "images")`, 'see config.json: one entry per image, "base" for contrail-base');
  }
}

export function prepareFamily(run: Run, needs: FamilyNeeds): PreparedFamily {
  const c = run.config;
  const images = new Map<string, PreparedImage>();
  for (const f of familyImages(c.images, c.os, c.version, needs.ansible.artifact)) {
    const standard = standardBuildArgs(f.name, f.recipe, { version: c.version, os: c.os, baseImage: c.baseImage, repo: needs.repo, osFamily: needs.repo.family ?? 'deb' });
    images.set(f.name, readImage(f, c.images[f.name].dockerfile, standard));
  }
  const all = buildGraph([...images.values()].map((i) => ({ name: i.name, ref: i.ref, parentRefs: i.parentRefs.map((p) => p.ref) })));
  return { ...needs, images, graph: subgraph(all, withAncestors(all, c.select)) };
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
    const parsed = parseDockerfile(text, { ...standard, ...f.recipe.buildArgs });
    return { ...f, dockerfileText: text, buildArgs: buildArgsFor(parsed.args, standard, f.recipe.buildArgs, dockerfile), parentRefs: parsed.parents, problem: null };
  } catch (e) {
    if (!(e instanceof DockerfileError)) throw e;
    return { ...f, dockerfileText: text, buildArgs: {}, parentRefs: [], problem: `Dockerfile ${dockerfile} ${e.message}` };
  }
}

/** The facts of every image of the selection, read from the files and the engine (all images at once: each waits on its own reads). */
export async function gatherFacts(run: Run, docker: Docker, family: PreparedFamily): Promise<Map<string, ImageFacts>> {
  const facts = await Promise.all(family.graph.order.map((name) => imageFacts(run, docker, family, family.images.get(name)!)));
  return new Map(facts.map((f) => [f.name, f]));
}

async function imageFacts(run: Run, docker: Docker, family: PreparedFamily, img: PreparedImage): Promise<ImageFacts> {
  const [parents, existing] = await Promise.all([parentFacts(run, docker, family, img), localImage(docker, img.ref)]);
  const problem = img.problem ?? parents.problem;
  return {
    name: img.name, ref: img.ref, problem, parents: parents.facts,
    own: problem ? { dockerfile: '', context: '', args: {}, packages: {} } : await ownInputs(family, img),
    existing,
  };
}

/** Everything the image is made from but its parents, hashed where the files lie. */
async function ownInputs(family: PreparedFamily, img: PreparedImage): Promise<ImageFacts['own']> {
  // the generated files (contrail-base's artifact) are covered by their own hash, the Dockerfile by its text
  const generated = new Set([img.dockerfileName, ...Object.keys(img.extra)]);
  const files = (await listContext(img.contextDir)).filter((f) => !generated.has(f.path));
  return {
    dockerfile: short(sha256(img.dockerfileText)),
    context: contextHash(files),
    args: argHashes(img.buildArgs),
    packages: packageHashes(img.recipe.packages, family.repo),
    ...(img.name === BASE ? { ansible: family.ansible.sha256 } : {}),
  };
}

/** Each parent: a family member, the OS image by the id baseImage found, or another image as the engine has it. */
async function parentFacts(run: Run, docker: Docker, family: PreparedFamily, img: PreparedImage): Promise<{ facts: ParentFact[]; problem: string | null }> {
  const byRef = new Map([...family.images.values()].map((i) => [normalizeRef(i.ref), i.name]));
  const facts: ParentFact[] = [];
  for (const p of img.parentRefs) {
    const member = byRef.get(normalizeRef(p.ref));
    if (member !== undefined) {
      facts.push({ ref: p.ref, member, memberRef: family.images.get(member)!.ref });
      continue;
    }
    if (normalizeRef(p.ref) === normalizeRef(family.base.ref)) {
      facts.push({ ref: p.ref, id: family.base.id });
      continue;
    }
    const local = await localImage(docker, p.ref);
    const lookalike = local ? null : familyLookalike(p.ref, run.config.os, run.config.version);
    if (lookalike) {
      const where = `${img.recipe.dockerfile}:${p.line}`;
      return { facts, problem: `parent ${p.ref} (${where}) is an image of this family that the config does not define (no images.${lookalike})` };
    }
    facts.push({ ref: p.ref, id: local?.id ?? null });
  }
  return { facts, problem: null };
}
