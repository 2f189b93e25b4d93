#!/bin/bash
# packages.sh NAME...: builds the binary RPMs of rpm/NAME/NAME.spec for each NAME with rpmbuild -bb,
# from the sandbox top (where the manifest copies this file), into build/rpm/RPMS/<arch>/.
# The sources folder is the sandbox's controller/ project.
set -euo pipefail
top=$PWD
for name in "$@"; do
  spec=tools/packages/rpm/$name/$name.spec
  [ -f "$spec" ] || { echo "packages.sh: no spec $spec" >&2; exit 2; }
  echo "== rpmbuild -bb $spec"
  rpmbuild -bb \
    --define "_topdir $top/build/rpm" \
    --define "_sourcedir $top/controller" \
    --define "_builddir $top/build/rpm/BUILD" \
    "$spec"
done
