/**
 * The deb family: Debian binary packages (.deb), an apt repository (Packages index,
 * dpkg-scanpackages), dpkg-buildpackage over a source's debian/ folder, and mk-build-deps for a
 * recipe's control files.
 */
import * as path from 'node:path';
import { DEB_BUILDER } from './builder';
import { buildDepsControl } from './buildDepsControl';
import { binaryPackages, buildDependencies } from './control';
import { DEB_FILE, parseDebFileName } from './debFile';
import { debianArch, readExistingRepo } from './existingRepo';
import type { PackageFamily } from './family';
import { checkDebBuild } from './familyInputs';
import { DEB_REPO_FLAVOR } from './repoServer';

/** Prepares the builder for a recipe: local apt repository, extra packages, mk-build-deps of each control file. */
const PREPARE = String.raw`
echo "== local repository of earlier outputs"
(cd /build/repo && dpkg-scanpackages --multiversion . /dev/null > Packages)
echo 'deb [trusted=yes] file:/build/repo ./' > /etc/apt/sources.list.d/contrail-local.list
echo "== apt-get update"
apt-get update
if [ -n "$EXTRA_PACKAGES" ]; then
  echo "== builder packages: $EXTRA_PACKAGES"
  apt-get install -y --no-install-recommends $EXTRA_PACKAGES
fi
deps=$(mktemp -d)
for control in "$@"; do
  echo "== build dependencies of $control"
  (cd "$deps" && mk-build-deps --install --remove --tool 'apt-get -y --no-install-recommends' "/build/deps/$SOURCE/$control")
done
rm -rf "$deps"
`;

export const DEB_FAMILY: PackageFamily = {
  name: 'deb',
  ...DEB_FILE,
  parseFileName: parseDebFileName,
  repo: DEB_REPO_FLAVOR,
  repoKind: 'apt',
  builder: DEB_BUILDER,
  async readExistingRepo(req) {
    return readExistingRepo(req.url, req.distribution, debianArch(await req.arch()), undefined, req.limits);
  },
  checkBuild: checkDebBuild,
  buildFile: (subdir) => path.posix.join(subdir, 'debian', 'control'),
  buildFileKind: 'debian/control',
  buildTarget: (subdir) => subdir,
  declaredPackages: binaryPackages,
  buildDependencies,
  recipePrepare: PREPARE,
  recipeDepsFile(text, name) {
    const { control, dropped } = buildDepsControl(text, name);
    return { text: control, dropped };
  },
};
