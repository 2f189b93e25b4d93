/**
 * contrailRepo for the rpm family: the RPMs from an existing yum repository (packages.url), a
 * tarball or folder of .rpm files, or packageBuild's output, served from the contrail-repo
 * container with createrepo_c metadata. The same input order, host/port rules, readiness wait and
 * reuse by package-set hash as the deb repo; only the files, their checks and the index differ.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loopbackOnTwoMachines } from '../docker/engine';
import type { BaseImage } from '../docker/osImage';
import { inputError } from '../errors';
import { sha256File } from '../hash';
import { downloadFile } from '../net/http';
import type { Run } from '../run';
import type { PackageBuildResult, RepoResult } from '../steps';
import { formatDuration, quote } from '../text';
import { workPaths } from '../workDir';
import { pinHost } from './aptSource';
import { flattenDebs, hashDebs, packageSetId, type RepoDeb } from './collect';
import { checkYumLocation, readExistingYumRepo } from './existingYumRepo';
import { INPUT_NAMES, type PackagesInput } from './inputs';
import { ensureRepoServer } from './repoServer';
import { checkRpms, findRpms } from './rpmCollect';
import { RPM_REPO_FLAVOR } from './rpmRepoFlavor';
import { checkTarball, extractDebs } from './tarExtract';

export interface RpmRepoDeps {
  baseImage(): Promise<BaseImage>;
  packageBuild(): Promise<PackageBuildResult>;
}

interface PackageSet {
  id: string;
  files: () => Promise<RepoDeb[]>;
  cleanup: () => void;
}

async function fromFiles(files: string[], what: string, relativeTo?: string): Promise<PackageSet> {
  checkRpms(files, what, relativeTo);
  const rpms = flattenDebs(await hashDebs(files), what);
  return { id: packageSetId(rpms), files: async () => rpms, cleanup: () => {} };
}

function fromFolder(dir: string): Promise<PackageSet> {
  const what = `${INPUT_NAMES.dir} ${quote(dir)}`;
  const files = findRpms(dir);
  if (files.length === 0) throw inputError(`${what} holds no .rpm file`, 'put the binary RPMs (*.rpm) there, or give another input');
  return fromFiles(files, what, dir);
}

/** A tarball, local or downloaded; checked whole before anything is extracted, as for .deb files. */
async function fromTarball(run: Run, input: Extract<PackagesInput, { kind: 'tar' }>): Promise<PackageSet> {
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
      run.log.info(`contrail-repo: downloading ${input.location}`);
      try {
        await downloadFile(input.location, file, { signal: run.signal });
      } catch (e) {
        throw inputError(`${what} cannot be downloaded: ${(e as Error).message}`, 'check the URL and that it answers from this machine');
      }
    }
    const id = `tar:${await sha256File(file)}`;
    const files = async (): Promise<RepoDeb[]> => {
      const dest = path.join(tmp, `packages-tar-${crypto.randomBytes(6).toString('hex')}`);
      fs.mkdirSync(tmp, { recursive: true });
      scratch.push(dest);
      const rpms = await extractDebs(file, dest, what, '.rpm');
      checkRpms(rpms, what, dest);
      return flattenDebs(await hashDebs(rpms), what);
    };
    // the listing is checked now (bad entries, no .rpm at all), before the image may be reused
    await checkTarball(file, what, '.rpm');
    return { id, files, cleanup };
  } catch (e) {
    cleanup();
    throw e;
  }
}

export async function rpmContrailRepo(run: Run, input: PackagesInput, deps: RpmRepoDeps): Promise<RepoResult> {
  const docker = await run.engine();
  const { config, log } = run;
  const priority = config.repo.priority;

  if (input.kind === 'url') {
    checkYumLocation(input.url, input.distribution);
    const twoMachines = loopbackOnTwoMachines(run.engineTarget, `${INPUT_NAMES.url} ${quote(input.url)}`, new URL(input.url).hostname);
    if (twoMachines) log.warn(`contrail-repo: ${twoMachines}`);
    const index = await readExistingYumRepo(input.url);
    log.info(`contrail-repo: using the existing yum repository ${input.url} (${Object.keys(index.packages).length} packages)`);
    return {
      url: input.url, host: pinHost(input.url), priority, distribution: './',
      indexHash: index.indexHash, packages: index.packages, source: 'url', image: null, container: null, family: 'rpm',
    };
  }

  let set: PackageSet;
  if (input.kind === 'tar') set = await fromTarball(run, input);
  else if (input.kind === 'dir') set = await fromFolder(input.dir);
  else set = await fromFiles((await deps.packageBuild()).debs, 'packageBuild output');

  try {
    const base = await deps.baseImage();
    const paths = workPaths(config.workDir);
    const started = Date.now();
    const server = await ensureRepoServer(docker, {
      os: config.os,
      version: config.version,
      host: config.repo.host,
      port: config.repo.port,
      network: config.network,
      baseImage: { ref: base.ref, id: base.id },
      packageSetId: set.id,
      debs: set.files,
      tmpDir: paths.tmp,
      logFile: path.join(paths.logs, 'contrail-repo.log'),
      signal: run.signal,
      flavor: RPM_REPO_FLAVOR,
    }, log);
    log.info(`contrail-repo: ${server.url} ${server.action === 'reused' ? 'already serves' : 'serves'} ${Object.keys(server.index.packages).length} RPM packages (${server.action}, ${formatDuration(Date.now() - started)})`);
    return {
      url: server.url, host: pinHost(server.url), priority, distribution: './',
      indexHash: server.index.indexHash, packages: server.index.packages, source: input.kind,
      image: server.image, container: server.container, family: 'rpm',
    };
  } finally {
    set.cleanup();
  }
}
