/**
 * The family's graph as the CI pipeline needs it: each image and the family images it is built
 * FROM, read from the Dockerfiles alone (no engine, no prep), through the same family, Dockerfile
 * and graph code as `gulp plan` (lib/images). This is the one place the CI generator learns the
 * family; re-point it here when the planner changes.
 */
import * as fs from 'node:fs';
import type { Config } from '../config/types';
import { inputError } from '../errors';
import { familyImages, standardBuildArgs } from '../images/family';
import { DockerfileError, parseDockerfile } from '../images/dockerfile';
import { buildGraph, subgraph, withAncestors } from '../images/graph';

export interface CiImage {
  name: string;
  /** family parents, by name */
  parents: string[];
}

/** The selected images (with their ancestors), parents first. */
export function ciFamilyGraph(config: Pick<Config, 'images' | 'os' | 'version' | 'baseImage' | 'select' | 'osFamily'>): CiImage[] {
  // the repo's address is not known before prep and no FROM line may use it; placeholders do
  const repo = { url: 'http://127.0.0.1/', host: '127.0.0.1', priority: 1001 };
  const inputs = familyImages(config.images, config.os, config.version, null).map((f) => {
    const args = { ...standardBuildArgs(f.name, f.recipe, { version: config.version, os: config.os, baseImage: config.baseImage, repo, osFamily: config.osFamily ?? 'deb' }), ...f.recipe.buildArgs };
    let text: string;
    try {
      text = fs.readFileSync(f.recipe.dockerfile, 'utf8');
    } catch (e) {
      throw inputError(`images.${f.name}.dockerfile ${f.recipe.dockerfile} cannot be read (${(e as NodeJS.ErrnoException).code})`, 'the pipeline has one job per image, read from its Dockerfile');
    }
    try {
      return { name: f.name, ref: f.ref, parentRefs: parseDockerfile(text, args).parents.map((p) => p.ref) };
    } catch (e) {
      if (e instanceof DockerfileError) throw inputError(`Dockerfile ${f.recipe.dockerfile} ${e.message}`, 'fix the Dockerfile; the pipeline is read from it');
      throw e;
    }
  });
  const all = buildGraph(inputs);
  const graph = subgraph(all, withAncestors(all, config.select));
  return graph.order.map((name) => ({ name, parents: [...graph.nodes.get(name)!.parents].sort() }));
}
