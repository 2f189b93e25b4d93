/**
 * An image's installed packages as its own package database says: dpkg's status file (with the
 * licence each package's machine-readable copyright file declares), or rpm's query output for
 * the rpm family. Pure: the files and the query output are read by lib/sbom/readImage.ts.
 */
import { parseOsRelease } from '../packages/osFamily';

export interface InstalledPackage {
  name: string;
  /** dpkg's version (epoch:upstream-revision), or rpm's version-release */
  version: string;
  arch: string;
  /** the declared licence, as written (DEP-5 short name, or rpm's License tag) */
  licence?: string;
  /** rpm only: the epoch, when it is not 0 */
  epoch?: string;
}

/** Where the packages come from: the purl type and the distro qualifier (`debian-12`). */
export interface Distro {
  /** /etc/os-release ID, e.g. debian, rocky */
  id: string;
  /** /etc/os-release VERSION_ID, e.g. 12 ('' when it has none, like sid) */
  versionId: string;
}

export interface PackageDatabase {
  family: 'deb' | 'rpm';
  distro: Distro;
  packages: InstalledPackage[];
}

/** RFC 822 style paragraphs (dpkg status, DEP-5 copyright): field -> value, continuation lines joined by '\n'. */
export function paragraphs(text: string): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  let current: Record<string, string> = {};
  let last = '';
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      if (Object.keys(current).length) out.push(current);
      current = {};
      last = '';
    } else if (/^[ \t]/.test(line)) {
      if (last) current[last] += `\n${line.trim()}`;
    } else {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      last = line.slice(0, colon).trim();
      current[last] = line.slice(colon + 1).trim();
    }
  }
  if (Object.keys(current).length) out.push(current);
  return out;
}

/** The installed packages of /var/lib/dpkg/status (config-files-only and half-removed ones are not installed), sorted by name. */
export function parseDpkgStatus(text: string, licences: ReadonlyMap<string, string> = new Map()): InstalledPackage[] {
  const out: InstalledPackage[] = [];
  for (const p of paragraphs(text)) {
    if (!p.Package || !p.Version || !/ installed$/.test(p.Status ?? '')) continue;
    const licence = licences.get(p.Package);
    out.push({ name: p.Package, version: p.Version, arch: p.Architecture || 'all', ...(licence ? { licence } : {}) });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.arch < b.arch ? -1 : 1));
}

/**
 * The licence a machine-readable (DEP-5) copyright file declares for the package as a whole:
 * the `Files: *` paragraph's, else the header's. Free-form copyright files declare none we can read.
 */
export function declaredLicence(copyright: string): string | undefined {
  const ps = paragraphs(copyright);
  if (!ps.length || !/copyright-format|dep5/i.test(ps[0].Format ?? ps[0]['Format-Specification'] ?? '')) return undefined;
  const whole = ps.find((p) => p.Files !== undefined && p.Files.split(/\s+/).includes('*'));
  const field = whole?.License ?? ps[0].License;
  const name = field?.split('\n')[0].trim();
  return name || undefined;
}

/** `/usr/share/doc/<package>/copyright` -> the package's name. */
export function copyrightPackage(file: string): string | null {
  const m = /(?:^|\/)usr\/share\/doc\/([^/]+)\/copyright$/.exec(file);
  return m ? m[1] : null;
}

/** The query format readRpmDatabase asks `rpm -qa` for: one package a line, tab-separated. */
export const RPM_QUERY_FORMAT = '%{NAME}\\t%{EPOCHNUM}\\t%{VERSION}-%{RELEASE}\\t%{ARCH}\\t%{LICENSE}\\n';

/** `rpm -qa --qf RPM_QUERY_FORMAT` output -> the packages, sorted by name (gpg-pubkey entries are keys, not packages). */
export function parseRpmQuery(text: string): InstalledPackage[] {
  const out: InstalledPackage[] = [];
  for (const line of text.split('\n')) {
    const [name, epoch, version, arch, licence] = line.split('\t');
    if (!name || !version || name === 'gpg-pubkey') continue;
    out.push({
      name, version, arch: arch && arch !== '(none)' ? arch : 'noarch',
      ...(epoch && epoch !== '0' ? { epoch } : {}),
      ...(licence && licence !== '(none)' ? { licence } : {}),
    });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.arch < b.arch ? -1 : 1));
}

/** /etc/os-release -> ID and VERSION_ID. */
export function distroOf(osRelease: string): Distro {
  const r = parseOsRelease(osRelease);
  return { id: r.ID || 'unknown', versionId: r.VERSION_ID ?? '' };
}

/** `debian-12`, the purl's distro qualifier; the ID alone when there is no VERSION_ID. */
export const distroQualifier = (d: Distro): string => (d.versionId ? `${d.id}-${d.versionId}` : d.id);
