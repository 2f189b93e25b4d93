/**
 * contrailRepo: finds the Contrail packages (an existing repository, a tarball, a folder, or the
 * sources via packageBuild), and serves them from the contrail-repo container. Its result is the
 * URL and pin that image builds hand to contrail-install. One flow for both package families:
 * what differs (the file check, the index, the repo's recipe) is the family's (lib/packages/family.ts).
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
import { checkPackageFiles, findPackageFiles, flattenFiles, type HashedFile, hashFiles, packageSetId, type RepoFile } from '../lib/packages/collect';
import type { PackageFamily } from '../lib/packages/family';
import { packageFamily } from '../lib/packages/families';
import { choosePackagesInput, INPUT_NAMES, type PackagesInput, type PathKind } from '../lib/packages/inputs';
import { ensureRepoServer } from '../lib/packages/repoServer';
import { PACKAGES_MANIFEST_LABEL, SOURCES_KEY_LABEL } from '../lib/docker/labels';
import { checkTarball, extractPackageFiles } from '../lib/packages/tarExtract';
import type { Run } from '../lib/run';
import { repoTrust } from '../lib/packages/repoTrust';
import type { RepoResult } from '../lib/steps';
import { formatDuration, quote } from '../lib/text';
import { workPaths } from '../lib/workDir';
import type { BaseImage } from '../lib/docker/osImage';
import type { OsFamily } from '../lib/packages/osFamily';
import type { PackageBuildResult } from '../lib/steps';

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
  files: () => Promise<RepoFile[]>;
  cleanup: () => void;
}

/** A tarball, local or downloaded; its listing checked now, its package files extracted only when the repo image must be built. */
async function fromTarball(run: Run, family: PackageFamily, input: Extract<PackagesInput, { kind: 'tar' }>): Promise<PackageSet> {
  const tmp = workPaths(run.config.workDir).tmp;
  const what = `${INPUT_NAMES.tar} ${quote(input.location)}`;
  const scratch: string[] = [];
  const cleanup = () => scratch.forEach((p) => fs.rmSync(p, { recursive: true, force: true }));
  let file = input.location;
  try {
    if (input.remote) {
      fs.mkdirSync(tmp, { recursive: true });
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
    // bad entries, or no package file of the family at all: refused before the image may be reused
    await checkTarball(file, what, family.ext);
    const files = async (): Promise<RepoFile[]> => {
      const dest = path.join(tmp, `packages-tar-${crypto.randomBytes(6).toString('hex')}`);
      fs.mkdirSync(tmp, { recursive: true });
      scratch.push(dest);
      const extracted = await extractPackageFiles(file, dest, what, family.ext);
      checkPackageFiles(family, extracted, what, dest);
      return flattenFiles(await hashFiles(extracted), what);
    };
    return { id, files, cleanup };
  } catch (e) {
    cleanup();
    throw e;
  }
}

async function fromFiles(family: PackageFamily, paths: string[], what: string, relativeTo?: string): Promise<PackageSet> {
  checkPackageFiles(family, paths, what, relativeTo);
  return hashedSet(await hashFiles(paths), what);
}

/** Package files on this machine, their sums known: one per name, ready to serve as they are. */
function hashedSet(hashed: HashedFile[], what: string): PackageSet {
  const files = flattenFiles(hashed, what);
  return { id: packageSetId(files), files: async () => files, cleanup: () => {} };
}

async function fromFolder(family: PackageFamily, dir: string): Promise<PackageSet> {
  const what = `${INPUT_NAMES.dir} ${quote(dir)}`;
  const files = findPackageFiles(dir, family.ext);
  if (files.length === 0) throw inputError(`${what} holds no ${family.ext} file`, `put the ${family.fileKind}s (*${family.ext}) there, or give another input`);
  return fromFiles(family, files, what, dir);
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
  const family = packageFamily(await steps.osFamily());
  if (input.kind === 'url') return fromExistingRepo(run, family, input);

  let set: PackageSet;
  if (input.kind === 'tar') set = await fromTarball(run, family, input);
  else if (input.kind === 'dir') set = await fromFolder(family, input.dir);
  else set = await fromBuild(family, steps.packageBuild);
  try {
    return await serve(run, family, set, input.kind, await steps.baseImage());
  } finally {
    set.cleanup();
  }
}

/** RepoResult.family: absent for deb (what results said before the rpm family existed). */
const familyField = (family: PackageFamily): Pick<RepoResult, 'family'> => (family.name === 'deb' ? {} : { family: family.name });

/**
 * packageBuild's output, with the sums packageBuild checked (not hashed twice: real packages run
 * to hundreds of MiB); the repo image carries the sources' key and manifest, so a fresh host
 * finds it (lib/cache/packages.ts).
 */
async function fromBuild(family: PackageFamily, packageBuild: RepoSteps['packageBuild']): Promise<PackageSet> {
  const built = await packageBuild();
  const what = 'packageBuild output';
  checkPackageFiles(family, built.debs, what);
  return { ...hashedSet(built.files, what), labels: { [SOURCES_KEY_LABEL]: built.sourcesKey, [PACKAGES_MANIFEST_LABEL]: built.manifestText } };
}

/** A repository that exists already (apt or yum): its index read, no container. */
async function fromExistingRepo(run: Run, family: PackageFamily, input: Extract<PackagesInput, { kind: 'url' }>): Promise<RepoResult> {
  const twoMachines = loopbackOnTwoMachines(run.engineTarget, `${INPUT_NAMES.url} ${quote(input.url)}`, new URL(input.url).hostname);
  if (twoMachines) run.log.warn(`contrail-repo: ${twoMachines}`);
  const index = await family.readExistingRepo({
    url: input.url, distribution: input.distribution, limits: downloadLimits(run.config.download),
    arch: async () => engineArch(await run.engine()),
  });
  run.log.info(`contrail-repo: using the existing ${family.repoKind} repository ${input.url} (${Object.keys(index.packages).length} packages)`);
  const trust = repoTrust(input.url, run.config.packages.key, INPUT_NAMES.url);
  if (trust.warning) run.log.warn(`contrail-repo: ${trust.warning}`);
  return {
    url: input.url, host: pinHost(input.url), priority: run.config.repo.priority, distribution: input.distribution, key: trust.key,
    indexHash: index.indexHash, packages: index.packages, source: 'url', image: null, container: null, ...familyField(family),
  };
}

/** The package set served by the contrail-repo container: reused, started, or built and replaced. */
async function serve(run: Run, family: PackageFamily, set: PackageSet, source: RepoResult['source'], base: BaseImage): Promise<RepoResult> {
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
    files: set.files,
    labels: set.labels,
    tmpDir: paths.tmp,
    logFile: path.join(paths.logs, 'contrail-repo.log'),
    signal: run.signal,
    flavor: family.repo,
  }, log);
  log.info(`contrail-repo: ${server.url} ${server.action === 'reused' ? 'already serves' : 'serves'} ${Object.keys(server.index.packages).length} packages (${server.action}, ${formatDuration(Date.now() - started)})`);
  return {
    url: server.url, host: pinHost(server.url), priority: config.repo.priority, distribution: './',
    indexHash: server.index.indexHash, packages: server.index.packages, source,
    image: server.image, container: server.container, ...familyField(family),
  };
}
