/**
 * Package URLs of installed packages, made with packageurl-js:
 * `pkg:deb/debian/bash@5.2.15-2+b1?arch=amd64&distro=debian-12`,
 * `pkg:rpm/rocky/bash@5.1.8-9.el9?arch=x86_64&distro=rocky-9.4`.
 */
import { PackageURL } from 'packageurl-js';
import { type Distro, distroQualifier, type InstalledPackage } from './packageDb';

export function packagePurl(family: 'deb' | 'rpm', distro: Distro, p: InstalledPackage): string {
  const qualifiers: Record<string, string> = { arch: p.arch, distro: distroQualifier(distro) };
  if (p.epoch) qualifiers.epoch = p.epoch;
  return new PackageURL(family, distro.id, p.name, p.version, qualifiers, undefined).toString();
}
