/**
 * contrailRepo: finds the Contrail packages (an existing repository, a tarball, a folder, or the
 * sources via packageBuild), and serves them from the contrail-repo container. Its result is the
 * URL and pin that image builds hand to contrail-install.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { engineArch } from '../lib/docker/containers';
import { loopbackOnTwoMachines } from '../lib/docker/engine';
import { inputError } from '../lib/errors';
import { sha256File } from '../lib/hash';
import { downloadFile, downloadLimits } from '../lib/net/http';
import { pinHost } from '../lib/packages/aptSource';
import { checkDebs, findDebs, flattenDebs, hashDebs, packageSetId, type RepoDeb } from '../lib/packages/collect';
import { debianArch, readExistingRepo } from '../lib/packages/existingRepo';
import { choosePackagesInput, INPUT_NAMES, type PackagesInput, type PathKind } from '../lib/packages/inputs';
import { ensureRepoServer } from '../lib/packages/repoServer';
import { PACKAGES_MANIFEST_LABEL, SOURCES_KEY_LABEL } from '../lib/docker/labels';
import { checkTarball, extractDebs } from '../lib/packages/tarExtract';
import type { Run } from '../lib/run';
import { repoTrust } from '../lib/packages/repoTrust';
import type { RepoResult } from '../lib/steps';
import { formatDuration, quote } from '../lib/text';
import { workPaths } from '../lib/workDir';
import type { BaseImage } from '../lib/docker/osImage';
import type { OsFamily } from '../lib/packages/osFamily';
import type { PackageBuildResult } from '../lib/steps';
import { rpmContrailRepo } from '../lib/packages/rpmRepoStep';

const pathKind = (p: string): PathKind => {
  try {
    const s = fs.statSync(p);
    return s.isDirectory() ? 'dir' : 'file';
  } catch {
    return 'missing';
  }
};

interface PackageSet {
  id: string;
  /** more labels for the repo image: the sources' key and manifest when built from sources (lib/cache/packages.ts) */
  labels?: Record<string, string>;
  debs: () => Promise<RepoDeb[]>;
  cleanup: () => void;
}

/** A tarball, local or downloaded; its .debs are extracted only when the repo image must be built. */
async function fromTarball(run: Run, input: Extract<PackagesInput, { kind: 'tar' }>): Promise<PackageSet> {
  const tmp = workPaths(run.config.workDir).tmp;
  const what = `${INPUT_NAMES.tar} ${quote(input.location)}`;
  const scratch: string[] = [];
  const cleanup = () => scratch.forEach((p) => fs.rmSync(p, { recursive: true, force: true }));
  let file = input.location;
  try {
    if (input.remote) {
      file = path.join(tmp, `packages-${crypto.randomBytes(6).toString('hex')}.download`);
      scratch.push(file);
      const started = Date.now();
      run.log.info(`contrail-repo: downloading ${input.location}`);
      try {
        await downloadFile(input.location, file, { ...downloadLimits(run.config.download), signal: run.signal });
      } catch (e) {
        throw inputError(`${what} cannot be downloaded: ${(e as Error).message}`, 'check the URL and that it answers from this machine');
      }
      run.log.info(`contrail-repo: downloaded in ${formatDuration(Date.now() - started)}`);
    }
    const id = `tar:${await sha256File(file)}`;
    const debs = async (): Promise<RepoDeb[]> => {
      await checkTarball(file, what);
      const dest = path.join(tmp, `packages-tar-${crypto.randomBytes(6).toString('hex')}`);
      fs.mkdirSync(tmp, { recursive: true });
      scratch.push(dest);
      const files = await extractDebs(file, dest, what);
      checkDebs(files, what, dest);
      return flattenDebs(await hashDebs(files), what);
    };
    return { id, debs, cleanup };
  } catch (e) {
    cleanup();
    throw e;
  }
}

async function fromFiles(files: string[], what: string, relativeTo?: string): Promise<PackageSet> {
  checkDebs(files, what, relativeTo);
  const debs = flattenDebs(await hashDebs(files), what);
  return { id: packageSetId(debs), debs: async () => debs, cleanup: () => {} };
}

async function fromFolder(dir: string): Promise<PackageSet> {
  const what = `${INPUT_NAMES.dir} ${quote(dir)}`;
  const files = findDebs(dir);
  if (files.length === 0) throw inputError(`${what} holds no .deb file`, 'put the Debian packages (*.deb) there, or give another input');
  return fromFiles(files, what, dir);
}

/** The steps contrailRepo may run (steps/index.ts mayRun). */
interface RepoSteps {
  osFamily: () => Promise<OsFamily>;
  packageBuild: () => Promise<PackageBuildResult>;
  baseImage: () => Promise<BaseImage>;
}

export async function contrailRepo(run: Run, steps: RepoSteps): Promise<RepoResult> {
  const { input, notes } = choosePackagesInput(run.config.packages, pathKind);
  for (const note of notes) run.log.warn(`contrail-repo: ${note}; building the packages from ${INPUT_NAMES.sources}`);
  if ((await steps.osFamily()) === 'rpm') {
    return rpmContrailRepo(run, input, { baseImage: steps.baseImage, packageBuild: steps.packageBuild });
  }
  if (input.kind === 'url') return fromExistingRepo(run, input);

  let set: PackageSet;
  if (input.kind === 'tar') set = await fromTarball(run, input);
  else if (input.kind === 'dir') set = await fromFolder(input.dir);
  else set = await fromBuild(steps.packageBuild);
  try {
    return await serve(run, set, input.kind, await steps.baseImage());
  } finally {
    set.cleanup();
  }
}

/** packageBuild's output; the repo image carries the sources' key and manifest, so a fresh host finds it (lib/cache/packages.ts). */
async function fromBuild(packageBuild: RepoSteps['packageBuild']): Promise<PackageSet> {
  const built = await packageBuild();
  const set = await fromFiles(built.debs, 'packageBuild output');
  return { ...set, labels: { [SOURCES_KEY_LABEL]: built.sourcesKey, [PACKAGES_MANIFEST_LABEL]: built.manifestText } };
}

/** An apt repository that exists already: its index read, no container. */
async function fromExistingRepo(run: Run, input: Extract<PackagesInput, { kind: 'url' }>): Promise<RepoResult> {
  const twoMachines = loopbackOnTwoMachines(run.engineTarget, `${INPUT_NAMES.url} ${quote(input.url)}`, new URL(input.url).hostname);
  if (twoMachines) run.log.warn(`contrail-repo: ${twoMachines}`);
  const arch = debianArch(await engineArch(await run.engine()));
  const index = await readExistingRepo(input.url, input.distribution, arch, undefined, downloadLimits(run.config.download));
  run.log.info(`contrail-repo: using the existing repository ${input.url} (${Object.keys(index.packages).length} packages)`);
  const trust = repoTrust(input.url, run.config.packages.key, INPUT_NAMES.url);
  if (trust.warning) run.log.warn(`contrail-repo: ${trust.warning}`);
  return {
    url: input.url, host: pinHost(input.url), priority: run.config.repo.priority, distribution: input.distribution, key: trust.key,
    indexHash: index.indexHash, packages: index.packages, source: 'url', image: null, container: null,
  };
}

/** The package set served by the contrail-repo container: reused, started, or built and replaced. */
async function serve(run: Run, set: PackageSet, source: RepoResult['source'], base: BaseImage): Promise<RepoResult> {
  const { config, log } = run;
  const paths = workPaths(config.workDir);
  const started = Date.now();
  const server = await ensureRepoServer(await run.engine(), {
    os: config.os,
    version: config.version,
    host: config.repo.host,
    port: config.repo.port,
    network: config.network,
    baseImage: { ref: base.ref, id: base.id },
    packageSetId: set.id,
    debs: set.debs,
    labels: set.labels,
    tmpDir: paths.tmp,
    logFile: path.join(paths.logs, 'contrail-repo.log'),
    signal: run.signal,
  }, log);
  log.info(`contrail-repo: ${server.url} ${server.action === 'reused' ? 'already serves' : 'serves'} ${Object.keys(server.index.packages).length} packages (${server.action}, ${formatDuration(Date.now() - started)})`);
  return {
    url: server.url, host: pinHost(server.url), priority: config.repo.priority, distribution: './',
    indexHash: server.index.indexHash, packages: server.index.packages, source,
    image: server.image, container: server.container,
  };
}
