/**
 * Reads an image's package database through the engine: for the deb family dpkg's status file,
 * /etc/os-release and the copyright files (a created, never started container: no program of the
 * image runs); for the rpm family `rpm -qa` in a throw-away container (rpm's database is only
 * readable by rpm).
 */
import type Docker from 'dockerode';
import { buildError } from '../errors';
import { readImageFiles, runInImage } from '../docker/imageFiles';
import {
  copyrightPackage, declaredLicence, type PackageDatabase, parseDpkgStatus, distroOf, parseRpmQuery, RPM_QUERY_FORMAT,
} from './packageDb';

const DPKG_STATUS = '/var/lib/dpkg/status';
// os-release(5): /etc/os-release first; it is usually a link to /usr/lib/os-release, which the
// archive API gives as a link (not read), so the second is read then
const OS_RELEASE = ['/etc/os-release', '/usr/lib/os-release'];

export async function readPackageDatabase(docker: Docker, image: string, family: 'deb' | 'rpm'): Promise<PackageDatabase> {
  const wanted = (f: string) => f === DPKG_STATUS || OS_RELEASE.includes(f) || copyrightPackage(f) !== null;
  const files = await readImageFiles(docker, image, family === 'deb' ? [DPKG_STATUS, ...OS_RELEASE, '/usr/share/doc'] : OS_RELEASE, wanted);
  const osRelease = OS_RELEASE.map((f) => files.get(f)).find((t) => t !== undefined) ?? '';
  const distro = distroOf(osRelease);
  if (family === 'rpm') {
    const q = await runInImage(docker, image, ['rpm', '-qa', '--qf', RPM_QUERY_FORMAT]);
    if (q.code !== 0) throw buildError(`cannot read the rpm database of ${image}: rpm -qa exited with ${q.code}: ${q.stderr.trim()}`, 'an rpm-family image must have rpm on its PATH');
    return { family, distro, packages: parseRpmQuery(q.stdout) };
  }
  const status = files.get(DPKG_STATUS);
  if (status === undefined) throw buildError(`cannot read the package database of ${image}: it has no ${DPKG_STATUS}`, 'a deb-family image must have dpkg\'s database');
  const licences = new Map<string, string>();
  for (const [file, text] of files) {
    const pkg = copyrightPackage(file);
    const licence = pkg ? declaredLicence(text) : undefined;
    if (pkg && licence) licences.set(pkg, licence);
  }
  return { family, distro, packages: parseDpkgStatus(status, licences) };
}
