/**
 * packageBuild's view of a recipe source: resolved to commits (no checkout), its key part (the
 * recipe: steps, outputs, control files, builder extras, version and OS, which the steps see),
 * its sandbox laid out when it must be built, and what the manifest records of it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BuilderConfig, RecipeSource } from '../config/types';
import { inputError } from '../errors';
import { hashJson, sha256 } from '../hash';
import { layOutSandbox } from '../sandbox/layout';
import { type ResolveSandboxOptions, resolveSandbox, sandboxRecord, sandboxRevision, sandboxWhat, type SandboxRecord } from '../sandbox/resolve';
import { quote } from '../text';
import { binaryKey } from './aptKey';
import type { PackageFamily } from './family';
import { checkRecipeFiles } from './recipeBuild';
import type { ResolvedSource } from './sources';

export async function resolveRecipeSource(source: RecipeSource, index: number, recorded: SandboxRecord | undefined, gitDir: string, reading: Pick<ResolveSandboxOptions, 'signal' | 'limits' | 'onRead'>): Promise<ResolvedSource> {
  const sandbox = await resolveSandbox(source, index, { ...reading, recorded, manifestDir: path.join(gitDir, 'manifests', source.name) });
  return { source, index, what: sandboxWhat(index, source.name), commit: null, revision: sandboxRevision(sandbox), tree: null, subdir: '.', sandbox };
}

/** Why a resolved recipe source cannot be skipped before its checkout, or null. */
export const unresolvedProject = (r: ResolvedSource): string | null => {
  const p = r.sandbox?.projects.find((x) => x.commit === null);
  return p ? `project ${p.name}'s revision is an abbreviated commit id` : null;
};

/** The recipe's part of the key; reads (and checks) the builder's key files. */
export function recipeHash(source: RecipeSource, builder: BuilderConfig, version: string, os: string): string {
  const keys = builder.aptSources.map((s, i) => {
    const what = `packages.build.builder.aptSources[${i}].key ${quote(s.key)}`;
    let data: Buffer;
    try {
      data = fs.readFileSync(s.key);
    } catch (e) {
      throw inputError(`${what} cannot be read (${(e as NodeJS.ErrnoException).code})`, 'give the file of the source\'s signing key');
    }
    return sha256(binaryKey(data, what));
  });
  return hashJson({
    steps: source.steps, outputs: source.outputs, buildDepends: source.buildDepends, version, os,
    builder: { packages: builder.packages, lines: builder.aptSources.map((s) => s.line), keys },
  });
}

/** Lays the sandbox out in `dir` and checks the recipe's files there; sets tree and revision. */
export async function checkoutRecipeSource(r: ResolvedSource, dir: string, signal?: AbortSignal): Promise<void> {
  const source = r.source as RecipeSource;
  await layOutSandbox(r.sandbox!, dir, { signal, what: r.what });
  checkRecipeFiles(source, r.index, dir);
  r.tree = dir;
  r.revision = sandboxRevision(r.sandbox!);
}

/** What packages/manifest.json records beyond the common fields: every project's commit, the build dependencies read. */
export function recipeRecord(r: ResolvedSource, family: Pick<PackageFamily, 'buildDependencies'>): { sandbox: SandboxRecord; buildDepends: string[] } {
  const source = r.source as RecipeSource;
  const deps = new Set(source.buildDepends.flatMap((c) => family.buildDependencies(fs.readFileSync(path.join(r.tree!, c), 'utf8'))));
  return { sandbox: sandboxRecord(source, r.sandbox!), buildDepends: [...deps].sort() };
}
