/**
 * packages.build.sources resolved once per run, before anything waits on Docker: git sources
 * and every project of a recipe by `git ls-remote`, folders by their content. The first thing
 * the family's preparation does when the packages are to be built, so an unreachable source
 * (the default config offline) is the error, at once, not whatever else failed first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readTextOrNull } from '../fs/read';
import type { Run } from '../run';
import { workPaths } from '../workDir';
import { MANIFEST_NAME, parseManifest } from './buildPlan';
import { choosePackagesInput, type PathKind } from './inputs';
import { resolveRecipeSource } from './recipeSource';
import { isRecipeSource, resolveSource, type ResolvedSource } from './sources';

const pathKind = (p: string): PathKind => {
  try {
    return fs.statSync(p).isDirectory() ? 'dir' : 'file';
  } catch {
    return 'missing';
  }
};

export function resolvePackageSources(run: Run): Promise<ResolvedSource[]> {
  return run.once('resolvePackageSources', async () => {
    const { config, signal } = run;
    const paths = workPaths(config.workDir);
    const recorded = parseManifest(readTextOrNull(path.join(paths.packages, MANIFEST_NAME)))?.sources ?? [];
    const resolved: ResolvedSource[] = [];
    for (const [i, s] of config.packages.build.sources.entries()) {
      resolved.push(isRecipeSource(s)
        ? await resolveRecipeSource(s, i, recorded.find((e) => e.name === s.name)?.sandbox, paths.git, { signal, limits: config.manifestLimits, onRead: (m) => run.log.info(m) })
        : await resolveSource(s, i, { signal }));
    }
    return resolved;
  });
}

/** Resolves the sources when they are the packages' input (not a tarball, folder or URL). */
export async function resolveSourcesIfBuilding(run: Run): Promise<void> {
  let kind: string;
  try {
    kind = choosePackagesInput(run.config.packages, pathKind).input.kind;
  } catch {
    return; // contrailRepo reports a bad packages input itself
  }
  if (kind === 'build') await resolvePackageSources(run);
}
