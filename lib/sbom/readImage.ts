/**
 * Reads an image's package database through the engine: for the deb family dpkg's status file,
 * /etc/os-release and the copyright files (a created, never started container: no program of the
 * image runs); for the rpm family `rpm -qa` in a throw-away container (rpm's database is only
 * readable by rpm).
 */
import type Docker from 'dockerode';
import { buildError } from '../errors';
import { runInImage, withImageFiles } from '../docker/imageFiles';
import {
  copyrightPackage, declaredLicence, type PackageDatabase, parseDpkgStatus, distroOf, parseRpmQuery, RPM_QUERY_FORMAT,
} from './packageDb';

const DPKG_STATUS = '/var/lib/dpkg/status';
// os-release(5): /etc/os-release first; it is usually a link to /usr/lib/os-release, which the
// archive API gives as a link (not read), so the second is read then
const OS_RELEASE = ['/etc/os-release', '/usr/lib/os-release'];

/**
 * Licences already read, by `name@version`: a package's copyright file is the same in every
 * image that has that version, so an image reads only those of packages its parents lack.
 */
export type LicenceCache = Map<string, string | null>;

/** above this many unknown packages, the whole doc folder in one archive is cheaper than one request each */
const ONE_BY_ONE = 40;

export async function readPackageDatabase(docker: Docker, image: string, family: 'deb' | 'rpm', licences: LicenceCache = new Map()): Promise<PackageDatabase> {
  return withImageFiles(docker, image, async (read) => {
    const files = await read(family === 'deb' ? [DPKG_STATUS, ...OS_RELEASE] : OS_RELEASE);
    const osRelease = OS_RELEASE.map((f) => files.get(f)).find((t) => t !== undefined) ?? '';
    const distro = distroOf(osRelease);
    if (family === 'rpm') {
      const q = await runInImage(docker, image, ['rpm', '-qa', '--qf', RPM_QUERY_FORMAT]);
      if (q.code !== 0) throw buildError(`cannot read the rpm database of ${image}: rpm -qa exited with ${q.code}: ${q.stderr.trim()}`, 'an rpm-family image must have rpm on its PATH');
      return { family, distro, packages: parseRpmQuery(q.stdout) };
    }
    const status = files.get(DPKG_STATUS);
    if (status === undefined) throw buildError(`cannot read the package database of ${image}: it has no ${DPKG_STATUS}`, 'a deb-family image must have dpkg\'s database');
    const installed = parseDpkgStatus(status);
    const unknown = installed.filter((p) => !licences.has(`${p.name}@${p.version}`));
    const copyrights = unknown.length > ONE_BY_ONE
      ? await read(['/usr/share/doc'], (f) => copyrightPackage(f) !== null)
      : await read(unknown.map((p) => `/usr/share/doc/${p.name}/copyright`));
    for (const p of unknown) {
      const text = copyrights.get(`/usr/share/doc/${p.name}/copyright`);
      licences.set(`${p.name}@${p.version}`, (text && declaredLicence(text)) ?? null);
    }
    const declared = new Map(installed.flatMap((p) => {
      const l = licences.get(`${p.name}@${p.version}`);
      return l ? [[p.name, l] as [string, string]] : [];
    }));
    return { family, distro, packages: parseDpkgStatus(status, declared) };
  });
}
