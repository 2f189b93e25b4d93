/**
 * packageBuild: Contrail's packages (.deb, or .rpm for the rpm family) from
 * packages.build.sources, built in the listed order inside a builder container, into
 * <workDir>/packages with manifest.json. The facts (each source's resolved revision, the
 * manifest, the outputs' checksums) make a plan (lib/packages/buildPlan.ts planSources):
 * unchanged sources are skipped; the rest are checked out and built. One flow for both families:
 * what differs (the builder, control or spec files, output names) is the family's
 * (lib/packages/family.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildError, inputError } from '../lib/errors';
import { writeFileAtomic } from '../lib/fs/atomic';
import { redactJson } from '../lib/redact';
import { hashJson, sha256File } from '../lib/hash';
import { logTail } from '../lib/docker/build';
import {
  describeOutputs, emptyManifest, fileClash, MANIFEST_NAME, missingExpected, parseManifest, planSources,
  sourceKey, updateManifest, type Manifest, type ManifestSource, type SkipDecision,
} from '../lib/packages/buildPlan';
import type { PackageFamily } from '../lib/packages/family';
import { packageFamily } from '../lib/packages/families';
import { builderHash, ensureBuilderImage, startBuilder, type Builder } from '../lib/packages/builder';
import type { BaseImage } from '../lib/docker/osImage';
import { checkoutSource, isGitSource, isRecipeSource, type ResolvedSource } from '../lib/packages/sources';
import type { GitSource, PathSource } from '../lib/config/types';
import { checkoutRecipeSource, recipeHash, recipeRecord, unresolvedProject } from '../lib/packages/recipeSource';
import { resolvePackageSources } from '../lib/packages/resolveSources';
import { buildRecipe } from '../lib/packages/recipeBuild';
import type { Run } from '../lib/run';
import type { PackageBuildResult } from '../lib/steps';
import { formatDuration } from '../lib/text';
import { workPaths } from '../lib/workDir';
import type { OsFamily } from '../lib/packages/osFamily';
import { readTextOrNull } from '../lib/fs/read';
import { packagesPresent, restorePackages, sourcesKey } from '../lib/cache/packages';
import { runCache } from '../lib/cache/run';
import { redactUrl } from '../lib/redact';

export const sourceLog = (logs: string, name: string) => path.join(logs, `package-${name}.log`);

/** What one packageBuild run works with. */
export interface PackageRun {
  run: Run;
  family: PackageFamily;
  base: BaseImage;
  /** builderHash: the recipe part of every source's key */
  recipe: string;
  /** a recipe source's own part of its key (steps, outputs, builder extras...) */
  recipeParts: Map<ResolvedSource, string | null>;
  paths: ReturnType<typeof workPaths>;
  manifestFile: string;
  manifest: Manifest;
}

/** The steps packageBuild may run (steps/index.ts mayRun). */
export interface PackageBuildSteps {
  osFamily: () => Promise<OsFamily>;
  baseImage: () => Promise<BaseImage>;
}

export async function packageBuild(run: Run, steps: PackageBuildSteps): Promise<PackageBuildResult> {
  const { sources } = run.config.packages.build;
  if (sources.length === 0) {
    throw inputError('packages.build.sources is empty: there is nothing to build', 'list the sources, e.g. {"name": "contrail-lib", "git": "https://...", "ref": "R4.0"}, or give packages.tar/dir/url');
  }
  const family = packageFamily(await steps.osFamily());
  family.checkBuild(run.config.packages.build);
  fs.mkdirSync(workPaths(run.config.workDir).packages, { recursive: true });
  const { pr, resolved, keys } = await packageFacts(run, family, steps.baseImage);
  const { paths, manifestFile } = pr;
  const { version, os } = run.config;
  // a work folder without these sources' packages: the cache registry may have them (lib/cache/packages.ts)
  if (!packagesPresent(pr.manifest, keys, (f) => fs.existsSync(path.join(paths.packages, f)))) {
    const cache = await runCache(run);
    if (await restorePackages({ cache, docker: await run.engine(), os, version, keys, dir: paths.packages, manifestFile, log: run.log, signal: run.signal })) {
      pr.manifest = parseManifest(readTextOrNull(manifestFile)) ?? pr.manifest;
    }
  }
  // sources no longer configured leave the manifest first: their packages must not clash with,
  // or be installed into the builder for, what the configured sources build
  pruneManifest(pr, { createMissing: false });
  const decisions = await planPackages(pr, resolved);
  const toBuild = resolved.map((r, i) => ({ r, decision: decisions[i] })).filter((p) => !p.decision.skip);
  for (const [i, r] of resolved.entries()) if (decisions[i].skip) run.log.info(`packageBuild: ${r.source.name}: unchanged, skipped`);
  const now = Date.now();
  for (const [i, r] of resolved.entries()) if (decisions[i].skip) run.record.add({ kind: 'source', name: r.source.name, start: now, end: now, status: 'skipped', args: { why: decisions[i].reason } });

  // Check out what must be built (and check its debian/) before the first build.
  for (const { r } of toBuild) {
    if (isRecipeSource(r.source)) await checkoutRecipeSource(r, path.join(paths.git, 'sandboxes', r.source.name), run.signal);
    else await checkoutSource(r, path.join(paths.git, 'packages', r.source.name), { signal: run.signal });
  }
  await buildAll(pr, toBuild);
  pruneManifest(pr);
  return { ...checkExpected(pr), sourcesKey: sourcesKey(keys), manifestText: JSON.stringify(pr.manifest) };
}

/**
 * The facts packageBuild decides from, read without writing anything: every source resolved
 * (git ls-remote, folder hashes), the manifest of what was built, each source's key. `gulp plan`
 * gathers the same (steps/plan.ts).
 */
export async function packageFacts(run: Run, family: PackageFamily, base: () => Promise<BaseImage>): Promise<{ pr: PackageRun; resolved: ResolvedSource[]; keys: string[] }> {
  const paths = workPaths(run.config.workDir);
  const manifestFile = path.join(paths.packages, MANIFEST_NAME);
  const manifest = parseManifest(readTextOrNull(manifestFile)) ?? emptyManifest(run.config.version, run.config.os);
  // Resolve every source (and check every folder) before anything builds, or waits for the base image.
  const resolved = await resolvePackageSources(run);
  // a recipe's own part of the key (its key files read and checked here, before any Docker work)
  const { version, os, packages } = run.config;
  const recipeParts = new Map(resolved.map((r) => [r, isRecipeSource(r.source) ? recipeHash(r.source, packages.build.builder, version, os) : null]));
  const b = await base();
  const pr: PackageRun = { run, family, base: b, recipe: builderHash(b.id, family.builder.context), recipeParts, paths, manifestFile, manifest };
  return { pr, resolved, keys: resolved.map((r) => keyOf(pr, r)) };
}

/** Which sources are built and which skipped, and why (lib/packages/buildPlan.ts planSources), from the manifest as it is. */
export async function planPackages(pr: PackageRun, resolved: ResolvedSource[]): Promise<SkipDecision[]> {
  return planSources(pr.manifest, resolved.map((r) => sourceFacts(pr, r)), await outputSums(pr));
}

/** A spec file is part of the key: another spec in the same tree is another build. */
const keyOf = (pr: PackageRun, r: ResolvedSource) => {
  const part = pr.recipeParts.get(r);
  const spec = 'spec' in r.source ? r.source.spec : undefined;
  return sourceKey({ name: r.source.name, revision: r.revision, subdir: spec ? `${r.subdir}:${spec}` : r.subdir, recipe: part ? hashJson([pr.recipe, part]) : pr.recipe });
};

/** A plain source's control or spec file, null when not there (yet) or for a recipe source. */
const buildFileText = (pr: PackageRun, r: ResolvedSource): string | null =>
  r.tree && !isRecipeSource(r.source) ? readTextOrNull(path.join(r.tree, pr.family.buildFile(r.subdir, r.source as GitSource | PathSource))) : null;

function sourceFacts(pr: PackageRun, r: ResolvedSource) {
  const text = buildFileText(pr, r);
  return {
    name: r.source.name, key: keyOf(pr, r), abbreviated: r.commit === null && isGitSource(r.source), unresolved: unresolvedProject(r),
    declares: text === null ? null : pr.family.declaredPackages(text),
  };
}

/** The sha256 of every output the manifest records, null when it is missing (all read at once). */
async function outputSums(pr: PackageRun): Promise<Map<string, string | null>> {
  const files = pr.manifest.sources.flatMap((e) => e.files.map((f) => f.file));
  return new Map(await Promise.all(files.map(async (f): Promise<[string, string | null]> => {
    const p = path.join(pr.paths.packages, f);
    return [f, fs.existsSync(p) ? await sha256File(p) : null];
  })));
}

/** Builds the sources one after another in one builder container, started for the first of them. */
async function buildAll(pr: PackageRun, toBuild: { r: ResolvedSource; decision: SkipDecision }[]): Promise<void> {
  if (toBuild.length === 0) return;
  const builder = await openBuilder(pr, new Set(toBuild.map((t) => t.r.source.name)));
  try {
    for (const [n, { r, decision }] of toBuild.entries()) {
      const logFile = sourceLog(pr.paths.logs, r.source.name);
      pr.run.log.info(`packageBuild: ${r.source.name} (${n + 1}/${toBuild.length}): building, ${decision.reason} (log: ${logFile})`);
      await pr.run.record.time({ kind: 'source', name: r.source.name, args: { why: decision.reason } }, () => buildOne(pr, builder, r, logFile));
    }
  } finally {
    await builder.close();
  }
}

/** The builder container, with what was built before (and is skipped now) installable by what follows. */
async function openBuilder(pr: PackageRun, rebuilding: Set<string>): Promise<Builder> {
  const { config, log, signal } = pr.run;
  const image = await ensureBuilderImage(await pr.run.engine(), {
    os: config.os, version: config.version, baseImage: { ref: pr.base.ref, id: pr.base.id }, network: config.network,
    logFile: path.join(pr.paths.logs, 'contrail-builder.log'), signal, context: pr.family.builder.context,
  }, log);
  const builder = await startBuilder(await pr.run.engine(), image.id, config.network, config.workDir, signal, pr.family.builder);
  const earlier = pr.manifest.sources.filter((e) => !rebuilding.has(e.name)).flatMap((e) => e.files.map((f) => f.file));
  await builder.addPackages(pr.paths.packages, earlier.filter((f) => fs.existsSync(path.join(pr.paths.packages, f))));
  return builder;
}

/** One source: built, its outputs moved into packages/ and recorded in the manifest. */
async function buildOne(pr: PackageRun, builder: Builder, r: ResolvedSource, logFile: string): Promise<void> {
  const name = r.source.name;
  const started = Date.now();
  const { config, signal } = pr.run;
  const code = isRecipeSource(r.source)
    ? await buildRecipe({
      container: builder.container, family: pr.family, source: r.source, what: r.what, index: r.index, sandboxDir: r.tree!, builder: config.packages.build.builder,
      version: config.version, os: config.os, jobs: config.jobs, logFile, signal,
    }).then(() => 0)
    : await builder.build(name, r.tree!, pr.family.buildTarget(r.subdir, r.source as GitSource | PathSource), logFile);
  if (pr.run.signal.aborted) throw buildError(`packageBuild: interrupted while building ${name}`);
  if (code !== 0) {
    throw buildError(`packageBuild: source ${name} failed to build (exit code ${code})`, `see its log: ${logFile}`, { details: logTail(logFile) });
  }
  const scratch = fs.mkdtempSync(path.join(pr.paths.packages, `.tmp-${name}-`));
  try {
    const files = await builder.outputs(name, scratch);
    const outputs = describeOutputs(await Promise.all(files.map(async (f) => ({ file: path.basename(f), sha256: await sha256File(f) }))), pr.family);
    const entry = manifestEntry(pr, r, logFile, outputs);
    const clash = fileClash([...pr.manifest.sources.filter((e) => e.name !== name), entry]);
    if (clash) throw buildError(`packageBuild: sources ${clash.first} and ${clash.second} both build ${clash.file}`, 'give each package one source');
    for (const f of files) fs.renameSync(f, path.join(pr.paths.packages, path.basename(f)));
    writeManifest(pr, updateManifest(pr.manifest, entry, sourceOrder(pr)));
    pr.run.log.info(`packageBuild: ${name}: built ${outputs.map((o) => o.file).join(', ')} in ${formatDuration(Date.now() - started)}`);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function manifestEntry(pr: PackageRun, r: ResolvedSource, logFile: string, files: ManifestSource['files']): ManifestSource {
  return {
    name: r.source.name,
    ...(isGitSource(r.source) ? { git: redactUrl(r.source.git), ref: r.source.ref, ...(r.source.subdir ? { subdir: r.source.subdir } : {}) } : 'path' in r.source ? { path: r.source.path } : {}),
    commit: r.commit,
    revision: r.revision,
    key: keyOf(pr, r),
    buildDepends: pr.family.buildDependencies(buildFileText(pr, r) ?? ''),
    ...(isRecipeSource(r.source) ? recipeRecord(r, pr.family) : {}),
    log: logFile,
    builtAt: new Date().toISOString(),
    files,
  };
}

const sourceOrder = (pr: PackageRun) => pr.run.config.packages.build.sources.map((s) => s.name);

/** The manifest written (complete, atomically), then the files it no longer records removed. */
function writeManifest(pr: PackageRun, next: { manifest: Manifest; stale: string[] }): void {
  writeFileAtomic(pr.manifestFile, `${JSON.stringify(redactJson(next.manifest), null, 2)}\n`);
  pr.manifest = next.manifest;
  for (const f of next.stale) fs.rmSync(path.join(pr.paths.packages, f), { force: true });
}

/** Sources no longer configured: dropped from the manifest, their files removed; the manifest written when missing (after the builds). */
function pruneManifest(pr: PackageRun, options = { createMissing: true }): void {
  const pruned = updateManifest(pr.manifest, null, sourceOrder(pr));
  const missing = options.createMissing && !fs.existsSync(pr.manifestFile);
  if (pruned.stale.length || pruned.manifest.sources.length !== pr.manifest.sources.length || missing) writeManifest(pr, pruned);
}

/** Every package named in packages.build.expect came out. */
function checkExpected(pr: PackageRun): Pick<PackageBuildResult, 'dir' | 'manifest' | 'debs' | 'files'> {
  const built = pr.manifest.sources.flatMap((e) => e.files);
  const missing = missingExpected(pr.run.config.packages.build.expect, built.map((f) => f.package));
  if (missing.length) {
    throw buildError(`packageBuild: no source built ${missing.join(', ')} (named in packages.build.expect)`,
      `the sources built: ${[...new Set(built.map((f) => f.package))].join(', ') || 'nothing'}; check their ${pr.family.buildFileKind}, or the expect list`);
  }
  const files = built.map((f) => ({ file: path.join(pr.paths.packages, f.file), sha256: f.sha256 }));
  return { dir: pr.paths.packages, manifest: pr.manifestFile, debs: files.map((f) => f.file), files };
}
