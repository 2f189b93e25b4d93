/**
 * packageBuild: Contrail's Debian packages from packages.build.sources, built in the listed order
 * inside a builder container, into <workDir>/packages with manifest.json. Unchanged sources (same
 * resolved revision and recipe, outputs present and intact) are skipped.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildError, inputError } from '../lib/errors';
import { writeFileAtomic } from '../lib/fs/atomic';
import { sha256File } from '../lib/hash';
import { logTail } from '../lib/docker/build';
import {
  decideSkip, describeOutputs, emptyManifest, fileClash, MANIFEST_NAME, missingExpected, parseManifest,
  propagateRebuilds, sourceKey, updateManifest, type Manifest, type ManifestSource,
} from '../lib/packages/buildPlan';
import { binaryPackages, buildDependencies } from '../lib/packages/control';
import { builderHash, ensureBuilderImage, startBuilder, type Builder } from '../lib/packages/builder';
import { checkoutSource, isGitSource, resolveSource, type ResolvedSource } from '../lib/packages/sources';
import type { Run } from '../lib/run';
import type { PackageBuildResult } from '../lib/steps';
import { formatDuration } from '../lib/text';
import { workPaths } from '../lib/workDir';
import { baseImage } from './baseImage';
import { readTextOrNull } from '../lib/fs/read';

export const sourceLog = (logs: string, name: string) => path.join(logs, `package-${name}.log`);

export async function packageBuild(run: Run): Promise<PackageBuildResult> {
  return run.once('packageBuild', async () => {
    const docker = await run.engine();
    const { config, log, signal } = run;
    const { sources, expect } = config.packages.build;
    if (sources.length === 0) {
      throw inputError('packages.build.sources is empty: there is nothing to build', 'list the sources, e.g. {"name": "contrail-lib", "git": "https://...", "ref": "R4.0"}, or give packages.tar/dir/url');
    }
    const paths = workPaths(config.workDir);
    const manifestFile = path.join(paths.packages, MANIFEST_NAME);
    fs.mkdirSync(paths.packages, { recursive: true });
    const base = await baseImage(run);
    const recipe = builderHash(base.id);

    // 1. Resolve every source (and check every folder) before anything builds.
    const resolved: ResolvedSource[] = [];
    for (const [i, s] of sources.entries()) resolved.push(await resolveSource(s, i, { signal }));

    let manifest: Manifest = parseManifest(readTextOrNull(manifestFile)) ?? emptyManifest(config.version, config.os);
    const present = (file: string) => {
      const p = path.join(paths.packages, file);
      return fs.existsSync(p) ? p : null;
    };
    const sums = new Map<string, string | null>();
    for (const e of manifest.sources) {
      for (const f of e.files) {
        const p = present(f.file);
        sums.set(f.file, p ? await sha256File(p) : null);
      }
    }
    const keyOf = (r: ResolvedSource) => sourceKey({ name: r.source.name, revision: r.revision, subdir: r.subdir, recipe });
    const entryOf = (name: string) => manifest.sources.find((e) => e.name === name);
    const own = resolved.map((r) => {
      const entry = entryOf(r.source.name);
      const decision = r.commit === null && isGitSource(r.source) ? { skip: false, reason: 'its ref is an abbreviated commit id' } : decideSkip(entry, keyOf(r), (f) => sums.get(f) ?? null);
      const control = r.tree ? readTextOrNull(path.join(r.tree, r.subdir, 'debian', 'control')) : null;
      const produces = entry?.files.length ? entry.files.map((f) => f.package) : control !== null ? binaryPackages(control) : null;
      return { name: r.source.name, decision, buildDepends: entry?.buildDepends ?? [], produces };
    });
    const plan = propagateRebuilds(own).map((decision, i) => ({ r: resolved[i], decision }));
    const toBuild = plan.filter((p) => !p.decision.skip);
    for (const p of plan) if (p.decision.skip) log.info(`packageBuild: ${p.r.source.name}: unchanged, skipped`);

    // 2. Check out what must be built (and check its debian/) before the first build.
    for (const { r } of toBuild) await checkoutSource(r, path.join(paths.git, 'packages', r.source.name), { signal });
    const order = sources.map((s) => s.name);

    let builder: Builder | undefined;
    try {
      for (const [n, { r, decision }] of toBuild.entries()) {
        const name = r.source.name;
        if (!builder) {
          const image = await ensureBuilderImage(docker, {
            os: config.os, version: config.version, baseImage: { ref: base.ref, id: base.id }, network: config.network,
            logFile: path.join(paths.logs, 'contrail-builder.log'), signal,
          }, log);
          builder = await startBuilder(docker, image.id, config.network, config.workDir, signal);
          // what was built before (skipped now) is installable by what follows
          const earlier = manifest.sources.filter((e) => !toBuild.some((t) => t.r.source.name === e.name)).flatMap((e) => e.files.map((f) => f.file));
          await builder.addPackages(paths.packages, earlier.filter((f) => present(f)));
        }
        const logFile = sourceLog(paths.logs, name);
        const started = Date.now();
        log.info(`packageBuild: ${name} (${n + 1}/${toBuild.length}): building, ${decision.reason} (log: ${logFile})`);
        const code = await builder.build(name, r.tree!, r.subdir, logFile);
        if (signal.aborted) throw buildError(`packageBuild: interrupted while building ${name}`);
        if (code !== 0) {
          throw buildError(`packageBuild: source ${name} failed to build (exit code ${code})`, `see its log: ${logFile}`, { details: logTail(logFile) });
        }
        const scratch = fs.mkdtempSync(path.join(paths.packages, `.tmp-${name}-`));
        try {
          const files = await builder.outputs(name, scratch);
          const outputs = describeOutputs(await Promise.all(files.map(async (f) => ({ file: path.basename(f), sha256: await sha256File(f) }))));
          const entry: ManifestSource = {
            name,
            ...(isGitSource(r.source) ? { git: r.source.git, ref: r.source.ref, ...(r.source.subdir ? { subdir: r.source.subdir } : {}) } : { path: r.source.path }),
            commit: r.commit,
            revision: r.revision,
            key: keyOf(r),
            buildDepends: buildDependencies(readTextOrNull(path.join(r.tree!, r.subdir, 'debian', 'control')) ?? ''),
            log: logFile,
            builtAt: new Date().toISOString(),
            files: outputs,
          };
          const clash = fileClash([...manifest.sources.filter((e) => e.name !== name), entry]);
          if (clash) {
            throw buildError(`packageBuild: sources ${clash.first} and ${clash.second} both build ${clash.file}`, 'give each package one source');
          }
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

    // sources no longer configured: dropped from the manifest, their files removed
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
        `the sources built: ${[...new Set(built.map((f) => f.package))].join(', ') || 'nothing'}; check their debian/control, or the expect list`);
    }
    return { dir: paths.packages, manifest: manifestFile, debs: built.map((f) => path.join(paths.packages, f.file)) };
  });
}
