/**
 * The rpm family: binary RPMs (.rpm), a yum repository (createrepo_c metadata, primary.xml),
 * rpmbuild -bb over a source's spec file, and dnf builddep (or yum-builddep) for a recipe's spec
 * files.
 */
import * as path from 'node:path';
import { PROJECT_ROOT } from '../config/defaults';
import type { BuilderFlavor } from './builder';
import { readExistingYumRepo } from './existingYumRepo';
import type { PackageFamily } from './family';
import { checkRpmBuild, checkYumLocation } from './familyInputs';
import { parseRpmFileName, RPM_FILE } from './rpmFile';
import { RPM_REPO_FLAVOR } from './rpmRepoFlavor';
import { specBuildRequires, specPackages } from './rpmSpec';

export const RPM_BUILDER: BuilderFlavor = {
  context: path.join(PROJECT_ROOT, 'dockerfiles', 'contrail-builder-rpm'),
  command: (name, spec) => ['contrail-build-rpm', name, spec],
  ext: '.rpm',
};

/** Prepares the builder for a recipe: local yum repository, extra packages, the build requirements of each spec file. */
const PREPARE = String.raw`
if command -v dnf >/dev/null 2>&1; then tool=dnf; else tool=yum; fi
echo "== local repository of earlier outputs"
createrepo_c --general-compress-type gz --simple-md-filenames -q /build/repo
printf '[contrail-local]\nname=contrail-local\nbaseurl=file:///build/repo\nenabled=1\ngpgcheck=0\npriority=1\nmetadata_expire=0\n' > /etc/yum.repos.d/contrail-local.repo
if [ -n "$EXTRA_PACKAGES" ]; then
  echo "== builder packages: $EXTRA_PACKAGES"
  "$tool" install -y $EXTRA_PACKAGES
fi
for spec in "$@"; do
  echo "== build requirements of $spec"
  if [ "$tool" = dnf ]; then dnf builddep -y --refresh "/build/deps/$SOURCE/$spec"; else yum-builddep -y "/build/deps/$SOURCE/$spec"; fi
done
`;

export const RPM_FAMILY: PackageFamily = {
  name: 'rpm',
  ...RPM_FILE,
  parseFileName: parseRpmFileName,
  repo: RPM_REPO_FLAVOR,
  repoKind: 'yum',
  builder: RPM_BUILDER,
  readExistingRepo(req) {
    checkYumLocation(req.url, req.distribution);
    return readExistingYumRepo(req.url, undefined, req.limits);
  },
  checkBuild: checkRpmBuild,
  buildFile: (subdir, source) => path.posix.join(subdir, source.spec ?? ''),
  buildFileKind: 'spec files',
  buildTarget: (subdir, source) => path.posix.join(subdir, source.spec ?? ''),
  declaredPackages: specPackages,
  buildDependencies: specBuildRequires,
  recipePrepare: PREPARE,
  /** dnf builddep reads the spec itself */
  recipeDepsFile: (text) => ({ text, dropped: [] }),
};
