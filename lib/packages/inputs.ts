/**
 * Where the contrail repo's packages come from, in the original build's order: an existing apt
 * repository (packages.url), a tarball (packages.tar), a folder (packages.dir), else the sources
 * (packageBuild). A tarball or folder that does not exist falls through to the next input (the
 * design: "if not provided or not accessible, build them"); a given input that exists but is
 * broken is an error, found later by whoever reads it. Pure: the file system is asked through
 * `kind`.
 */
import type { Config } from '../config/types';
import { inputError } from '../errors';
import { quote } from '../text';

export type PackagesInput =
  | { kind: 'url'; url: string; distribution: string }
  | { kind: 'tar'; location: string; remote: boolean }
  | { kind: 'dir'; dir: string }
  | { kind: 'build' };

export type PathKind = 'file' | 'dir' | 'missing';

export interface InputChoice {
  input: PackagesInput;
  /** what was given but not found, for a warning line */
  notes: string[];
}

/** The names a user may have set each input by, for messages. */
export const INPUT_NAMES = {
  url: 'packages.url (CONTRAIL_REPO_URL, --packages-url)',
  tar: 'packages.tar (CONTRAIL_INSTALL_PACKAGE_TAR_URL, --packages-tar)',
  dir: 'packages.dir (--packages-dir)',
  sources: 'packages.build.sources',
} as const;

/**
 * `URL` or `URL SUITE [COMPONENT...]` (apt's own notation, without `deb`): a flat repository
 * (`./`) or a suite.
 */
export function parseRepoLocation(value: string): { url: string; distribution: string } {
  const [url, ...rest] = value.trim().split(/\s+/);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw inputError(`${INPUT_NAMES.url} ${quote(value)} is not a URL`, 'e.g. http://127.0.0.1:1567 or "http://host/debian bookworm main"');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw inputError(`${INPUT_NAMES.url} ${quote(value)} is not an http(s) URL`, 'apt inside the image builds fetches it over http or https');
  }
  if (rest.length === 1 && rest[0] !== './' && !rest[0].endsWith('/')) {
    throw inputError(`${INPUT_NAMES.url} ${quote(value)} names suite ${quote(rest[0])} without a component`,
      'write "URL SUITE COMPONENT", e.g. "http://host/debian bookworm main", or only the URL of a flat repository');
  }
  return { url: url.replace(/\/+$/, ''), distribution: rest.length ? rest.join(' ') : './' };
}

export function choosePackagesInput(packages: Pick<Config['packages'], 'url' | 'tar' | 'dir' | 'build'>, kind: (p: string) => PathKind): InputChoice {
  const notes: string[] = [];
  if (packages.url !== null) return { input: { kind: 'url', ...parseRepoLocation(packages.url) }, notes };
  if (packages.tar !== null) {
    if (/^https?:\/\//.test(packages.tar)) return { input: { kind: 'tar', location: packages.tar, remote: true }, notes };
    const k = kind(packages.tar);
    if (k === 'file') return { input: { kind: 'tar', location: packages.tar, remote: false }, notes };
    if (k === 'dir') {
      throw inputError(`${INPUT_NAMES.tar} ${quote(packages.tar)} is a folder, not a tarball`, 'give a folder of .deb files as packages.dir (--packages-dir)');
    }
    notes.push(`${INPUT_NAMES.tar} ${quote(packages.tar)} does not exist`);
  }
  if (packages.dir !== null) {
    const k = kind(packages.dir);
    if (k === 'dir') return { input: { kind: 'dir', dir: packages.dir }, notes };
    if (k === 'file') {
      throw inputError(`${INPUT_NAMES.dir} ${quote(packages.dir)} is a file, not a folder`, 'give a tarball as packages.tar (--packages-tar)');
    }
    notes.push(`${INPUT_NAMES.dir} ${quote(packages.dir)} does not exist`);
  }
  if (packages.build.sources.length === 0) {
    if (notes.length) throw inputError(`${notes.join('; ')}, and no ${INPUT_NAMES.sources} are configured to build the packages instead`,
      'fix the path, or list sources to build in packages.build.sources');
    throw inputError('no Contrail packages are given: none of packages.url, packages.tar, packages.dir or packages.build.sources is set',
      'set one of them (see config.schema.json), e.g. --packages-tar contrail-install-packages_4.0.0.0-20.tgz');
  }
  return { input: { kind: 'build' }, notes };
}
