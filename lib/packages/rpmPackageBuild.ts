/**
 * packageBuild for the rpm family: each source's spec file built with `rpmbuild -bb` in the
 * listed order, in a container from contrail-builder-<os>:<version> (the rpm base image with
 * rpmbuild, createrepo_c and dnf builddep or yum-builddep), into <workDir>/packages with the same
 * manifest.json and the same skip rule as the deb path: an unchanged source (same commit or
 * folder content, same recipe) whose recorded RPMs are present and intact is skipped.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { GitSource, PackageSource, PathSource } from '../config/types';
import type { BaseImage } from '../docker/osImage';
import { logTail } from '../docker/build';
import { buildError, inputError } from '../errors';
import { writeFileAtomic } from '../fs/atomic';
import { readTextOrNull } from '../fs/read';
import { sha256File } from '../hash';
import type { Run } from '../run';
import type { PackageBuildResult } from '../steps';
import { formatDuration, quote } from '../text';
import { workPaths } from '../workDir';
import { builderHash, ensureBuilderImage, startBuilder, type Builder, type BuilderFlavor } from './builder';
import { PROJECT_ROOT } from '../config/defaults';
import {
  decideSkip, emptyManifest, fileClash, MANIFEST_NAME, missingExpected, parseManifest, propagateRebuilds, sourceKey,
  updateManifest, type BuiltFile, type Manifest, type ManifestSource,
} from './buildPlan';
import { parseRpmFileName } from './rpmFile';
import { specBuildRequires, specPackages } from './rpmSpec';
import { checkoutSource, isGitSource, isRecipeSource, resolveSource, type ResolvedSource } from './sources';
import { checkSpec } from './specFile';
import { redactUrl } from '../redact';

export { checkSpec };
/** The spec file of a resolved rpm source (checked to be there when it was resolved). */
const specOf = (r: ResolvedSource) => (r.source as GitSource | PathSource).spec!;

export const RPM_BUILDER: BuilderFlavor = {
  context: path.join(PROJECT_ROOT, 'dockerfiles', 'contrail-builder-rpm'),
  command: (name, spec) => ['contrail-build-rpm', name, spec],
  ext: '.rpm',
};


/** In the deb family a spec file is never built: say so rather than ignore it. */
export function checkNoSpecs(sources: readonly PackageSource[]): void {
  const i = sources.findIndex((s) => 'spec' in s && s.spec !== undefined);
  if (i >= 0) {
    throw inputError(`packages.build.sources[${i}] (${quote(sources[i].name)}) has "spec", which only the rpm family builds; this build's OS family is deb`,
      'remove "spec", or set "osFamily": "rpm" with an rpm base image');
  }
}

/** The RPMs a build produced, described from their names (rpmbuild's naming). Pure. */
export function describeRpmOutputs(files: { file: string; sha256: string }[]): BuiltFile[] {
  return files
    .map(({ file, sha256 }) => {
      const n = parseRpmFileName(file);
      return { file, sha256, package: n?.package ?? file.replace(/\.rpm$/, ''), version: n?.version ?? '', architecture: n?.architecture ?? '' };
    })
    .sort((a, b) => a.file.localeCompare(b.file));
}

const sourceLog = (logs: string, name: string) => path.join(logs, `package-${name}.log`);

export async function rpmPackageBuild(run: Run, deps: { baseImage(): Promise<BaseImage> }): Promise<PackageBuildResult> {
  const docker = await run.engine();
  const { config, log, signal } = run;
  const { sources, expect } = config.packages.build;
  const paths = workPaths(config.workDir);
  const manifestFile = path.join(paths.packages, MANIFEST_NAME);
  fs.mkdirSync(paths.packages, { recursive: true });
  const base = await deps.baseImage();
  const recipe = builderHash(base.id, RPM_BUILDER.context);
  const check = { signal, check: checkSpec };

  const resolved: ResolvedSource[] = [];
  for (const [i, s] of sources.entries()) {
    if (isRecipeSource(s)) {
      throw inputError(`packages.build.sources[${i}] (${quote(s.name)}) is a recipe source, which the deb family builds; this build's OS family is rpm`,
        'give the rpm family a {"name", "git"|"path", "spec"} source');
    }
    resolved.push(await resolveSource(s, i, check));
  }

  let manifest: Manifest = parseManifest(readTextOrNull(manifestFile)) ?? emptyManifest(config.version, config.os);
  const present = (file: string) => (fs.existsSync(path.join(paths.packages, file)) ? path.join(paths.packages, file) : null);
  const sums = new Map<string, string | null>();
  for (const e of manifest.sources) for (const f of e.files) sums.set(f.file, present(f.file) ? await sha256File(present(f.file)!) : null);
  // the spec path is part of the key: another spec in the same tree is another build
  const keyOf = (r: ResolvedSource) => sourceKey({ name: r.source.name, revision: r.revision, subdir: `${r.subdir}:${specOf(r)}`, recipe });
  const specText = (r: ResolvedSource) => (r.tree ? readTextOrNull(path.join(r.tree, r.subdir, specOf(r))) : null);
  const own = resolved.map((r) => {
    const entry = manifest.sources.find((e) => e.name === r.source.name);
    const decision = r.commit === null && isGitSource(r.source) ? { skip: false, reason: 'its ref is an abbreviated commit id' } : decideSkip(entry, keyOf(r), (f) => sums.get(f) ?? null);
    const spec = specText(r);
    const produces = entry?.files.length ? entry.files.map((f) => f.package) : spec !== null ? specPackages(spec) : null;
    return { name: r.source.name, decision, buildDepends: entry?.buildDepends ?? [], produces };
  });
  const plan = propagateRebuilds(own).map((decision, i) => ({ r: resolved[i], decision }));
  const toBuild = plan.filter((p) => !p.decision.skip);
  for (const p of plan) if (p.decision.skip) log.info(`packageBuild: ${p.r.source.name}: unchanged, skipped`);
  for (const { r } of toBuild) await checkoutSource(r, path.join(paths.git, 'packages', r.source.name), check);
  const order = sources.map((s) => s.name);

  let builder: Builder | undefined;
  try {
    for (const [n, { r, decision }] of toBuild.entries()) {
      const name = r.source.name;
      if (!builder) {
        const image = await ensureBuilderImage(docker, {
          os: config.os, version: config.version, baseImage: { ref: base.ref, id: base.id }, network: config.network,
          logFile: path.join(paths.logs, 'contrail-builder.log'), signal, context: RPM_BUILDER.context,
        }, log);
        builder = await startBuilder(docker, image.id, config.network, config.workDir, signal, RPM_BUILDER);
        const earlier = manifest.sources.filter((e) => order.includes(e.name) && !toBuild.some((t) => t.r.source.name === e.name)).flatMap((e) => e.files.map((f) => f.file));
        await builder.addPackages(paths.packages, earlier.filter((f) => present(f)));
      }
      const logFile = sourceLog(paths.logs, name);
      const started = Date.now();
      log.info(`packageBuild: ${name} (${n + 1}/${toBuild.length}): building ${specOf(r)}, ${decision.reason} (log: ${logFile})`);
      // the tree goes in whole; the spec is found relative to the subdir inside it
      const code = await builder.build(name, r.tree!, path.posix.join(r.subdir, specOf(r)), logFile);
      if (signal.aborted) throw buildError(`packageBuild: interrupted while building ${name}`);
      if (code !== 0) throw buildError(`packageBuild: source ${name} failed to build (exit code ${code})`, `see its log: ${logFile}`, { details: logTail(logFile) });
      const scratch = fs.mkdtempSync(path.join(paths.packages, `.tmp-${name}-`));
      try {
        const files = await builder.outputs(name, scratch);
        const outputs = describeRpmOutputs(await Promise.all(files.map(async (f) => ({ file: path.basename(f), sha256: await sha256File(f) }))));
        const entry: ManifestSource = {
          name,
          ...(isGitSource(r.source) ? { git: redactUrl(r.source.git), ref: r.source.ref, ...(r.source.subdir ? { subdir: r.source.subdir } : {}) } : { path: (r.source as PathSource).path }),
          commit: r.commit,
          revision: r.revision,
          key: keyOf(r),
          buildDepends: specBuildRequires(specText(r) ?? ''),
          log: logFile,
          builtAt: new Date().toISOString(),
          files: outputs,
        };
        const clash = fileClash([...manifest.sources.filter((e) => e.name !== name && order.includes(e.name)), entry]);
        if (clash) throw buildError(`packageBuild: sources ${clash.first} and ${clash.second} both build ${clash.file}`, 'give each package one source');
        for (const f of files) fs.renameSync(f, path.join(paths.packages, path.basename(f)));
        const next = updateManifest(manifest, entry, order);
        writeFileAtomic(manifestFile, `${JSON.stringify(next.manifest, null, 2)}\n`);
        manifest = next.manifest;
        for (const f of next.stale) fs.rmSync(path.join(paths.packages, f), { force: true });
        log.info(`packageBuild: ${name}: built ${outputs.map((o) => o.file).join(', ')} in ${formatDuration(Date.now() - started)}`);
      } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
      }
    }
  } finally {
    await builder?.close();
  }

  const pruned = updateManifest(manifest, null, order);
  if (pruned.stale.length || pruned.manifest.sources.length !== manifest.sources.length || !fs.existsSync(manifestFile)) {
    writeFileAtomic(manifestFile, `${JSON.stringify(pruned.manifest, null, 2)}\n`);
    for (const f of pruned.stale) fs.rmSync(path.join(paths.packages, f), { force: true });
  }
  manifest = pruned.manifest;
  const built = manifest.sources.flatMap((e) => e.files);
  const missing = missingExpected(expect, built.map((f) => f.package));
  if (missing.length) {
    throw buildError(`packageBuild: no source built ${missing.join(', ')} (named in packages.build.expect)`,
      `the sources built: ${[...new Set(built.map((f) => f.package))].join(', ') || 'nothing'}; check their spec files, or the expect list`);
  }
  // the registry cache keeps deb package sets only: no sources key, so no src- tag for the rpm repo image
  return { dir: paths.packages, manifest: manifestFile, debs: built.map((f) => path.join(paths.packages, f.file)), sourcesKey: '', manifestText: JSON.stringify(manifest) };
}

