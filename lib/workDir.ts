/** The layout of the work folder (config `workDir`), in one place. */
import * as path from 'node:path';

export const workPaths = (workDir: string) => ({
  root: workDir,
  /** packageBuild's outputs: .deb files and manifest.json */
  packages: path.join(workDir, 'packages'),
  /** one log per image, per package source, per step */
  logs: path.join(workDir, 'logs'),
  /** contrail-ansible-<version>.tar.gz and its manifest */
  artifacts: path.join(workDir, 'artifacts'),
  /** temporary files; removed by clean, never read as state */
  tmp: path.join(workDir, 'tmp'),
  /** git checkouts (package sources, contrail-ansible) */
  git: path.join(workDir, 'git'),
  summary: path.join(workDir, 'summary.json'),
});
