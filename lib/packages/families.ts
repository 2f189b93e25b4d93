/** The package family of an OS family: the one place that picks between deb and rpm. */
import { DEB_FAMILY } from './debFamily';
import type { PackageFamily } from './family';
import type { OsFamily } from './osFamily';
import { RPM_FAMILY } from './rpmFamily';

export const packageFamily = (f: OsFamily): PackageFamily => (f === 'rpm' ? RPM_FAMILY : DEB_FAMILY);
