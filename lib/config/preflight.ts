/**
 * Input errors come first: everything the config names on this machine is looked at (never
 * changed) when the config is resolved, before the engine is asked anything and before the base
 * image step can start debootstrap. A work folder that is a file, a packages folder with a link
 * loop or a dangling .deb link, a tarball that is a folder: one input error naming the key and
 * the path, instead of a raw EEXIST/ELOOP/ENOENT from deep inside a step.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inputError } from '../errors';
import { checkDebBuild, checkRpmBuild, checkYumLocation } from '../packages/familyInputs';
import { choosePackagesInput, parseRepoLocation, type PathKind } from '../packages/inputs';
import { checkPackageFiles } from '../packages/collect';
import { checkRepoTrust } from '../packages/repoTrust';
import { RPM_FILE } from '../packages/rpmFile';
import { holdsSecret } from '../redact';
import { quote } from '../text';
import { checkImageNames, type Where } from './imageNames';
import type { Config } from './types';

type Checked = Pick<Config, 'os' | 'baseImage' | 'version' | 'registry' | 'images' | 'repo' | 'workDir' | 'saveDir' | 'packages' | 'ansible'> & Partial<Pick<Config, 'osFamily'>>;

/** Every check of the resolved config that needs more than its schema: names, then the file system. */
export function preflight(c: Checked, where: Where): void {
  checkImageNames(c, where);
  checkNoCredentialInRepoUrl(c.packages.url, where);
  checkFolderPlace(c.workDir, where(['workDir']));
  if (c.saveDir !== null) checkFolderPlace(c.saveDir, where(['saveDir']));
  checkPackagesInput(c.packages, where);
  checkRepoTrust(c.packages.url, c.packages.key, c.packages.trusted, where);
  if (c.osFamily) checkFamilyInputs(c.osFamily, c.packages);
  checkAnsibleArtifact(c.ansible.artifact, where);
}

const errno = (e: unknown) => (e as NodeJS.ErrnoException).code ?? '';

/** file, folder or missing (a dangling link is missing); a link loop or an unreadable place is an input error. */
export function pathKind(p: string, what: string): PathKind {
  try {
    const st = fs.statSync(p);
    return st.isDirectory() ? 'dir' : 'file';
  } catch (e) {
    const code = errno(e);
    if (code === 'ENOENT') return 'missing';
    if (code === 'ENOTDIR') throw inputError(`${what}: ${quote(p)} lies under a file, not a folder`, `check the path; ${nearestFile(p)} is a file`);
    if (code === 'ELOOP') throw inputError(`${what}: ${quote(p)} is a symbolic link loop`, 'point the link at a real file or folder');
    throw inputError(`${what}: ${quote(p)} cannot be read (${code})`, 'check its permissions');
  }
}

function nearestFile(p: string): string {
  for (let d = p; d !== path.dirname(d); d = path.dirname(d)) {
    try {
      if (fs.statSync(d).isFile()) return d;
    } catch {
      // not there, or under the file we are looking for
    }
  }
  return p;
}

/** A folder we will create or write into: it is a folder, or can become one (nothing in the way). */
export function checkFolderPlace(dir: string, what: string): void {
  if (pathKind(dir, what) === 'file') {
    throw inputError(`${what} ${quote(dir)} is a file, not a folder`, 'give a folder (it is created when missing), or move the file away');
  }
}

/**
 * apt gets the repository URL as a build argument, and build arguments stay in the image's
 * history: a URL that carries credentials or a signed query must not go there.
 */
function checkNoCredentialInRepoUrl(url: string | null, where: Where): void {
  if (url === null || !holdsSecret(url.trim().split(/\s+/)[0])) return;
  throw inputError(`${where(['packages', 'url'])} holds credentials or a query (${url.trim().split(/\s+/)[0]}): apt would get them as a build argument, which every image keeps in its history`,
    'serve the repository without credentials (e.g. on 127.0.0.1), or download its packages and give them as packages.tar or packages.dir');
}

function checkPackagesInput(p: Config['packages'], where: Where): void {
  const kind = (file: string) => pathKind(file, file === p.tar ? where(['packages', 'tar']) : where(['packages', 'dir']));
  // the same choice contrailRepo makes; made here too, it fails before any Docker work. A build
  // that names no packages input at all (clean, save, push of a family built elsewhere) is left
  // to the steps that need one.
  if (p.url !== null || p.tar !== null || p.dir !== null) choosePackagesInput(p, kind);
  if (p.url === null && p.tar === null && p.dir !== null && kind(p.dir) === 'dir') checkPackageLinks(p.dir, where(['packages', 'dir']));
}

const PACKAGE_EXTS = ['.deb', '.rpm'];

/**
 * Every *.deb and *.rpm under `dir` (as findPackageFiles walks it) resolves: no dangling link,
 * no link loop. Each .rpm is also checked to be a binary RPM: the rpm family is often known only
 * from the base image's os-release (an engine question, maybe a debootstrap first), and a stray
 * file must not wait for that. (.deb files are checked by contrailRepo.)
 */
export function checkPackageLinks(dir: string, what: string): void {
  const walk = (d: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch (e) {
      throw inputError(`${what}: folder ${quote(d)} cannot be read (${errno(e)})`, 'check its permissions');
    }
    for (const e of entries) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (PACKAGE_EXTS.some((ext) => e.name.endsWith(ext))) {
        const k = e.isSymbolicLink() ? pathKind(full, what) : 'file';
        if (k === 'missing') {
          throw inputError(`${what}: ${quote(full)} is a link to ${quote(fs.readlinkSync(full))}, which does not exist`,
            'remove the dangling link, or restore the file it points to');
        }
        if (k === 'file' && e.name.endsWith(RPM_FILE.ext)) checkPackageFiles(RPM_FILE, [full], `${what} ${quote(dir)}`, dir);
      }
    }
  };
  walk(dir);
}

/** What the family decides without Docker, when the config names it (else the base image says it, and the steps check). */
function checkFamilyInputs(family: NonNullable<Config['osFamily']>, p: Config['packages']): void {
  if (family === 'rpm') {
    if (p.url !== null) {
      const { url, distribution } = parseRepoLocation(p.url);
      checkYumLocation(url, distribution);
    }
    checkRpmBuild(p.build);
  } else {
    checkDebBuild(p.build);
  }
}

function checkAnsibleArtifact(artifact: string | null, where: Where): void {
  if (artifact === null || /^https?:\/\//.test(artifact)) return;
  const what = where(['ansible', 'artifact']);
  if (pathKind(artifact, what) === 'dir') {
    throw inputError(`${what} ${quote(artifact)} is a folder, not a contrail-ansible .tar.gz`,
      'give the artifact file, or leave ansible.artifact unset to build it from ansible.repo');
  }
}
