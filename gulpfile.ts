/**
 * The Contrail image build, as gulp tasks. This file only composes and describes them; each step
 * lives in tasks/. `npx gulp --tasks` lists them with their flags.
 */
import { parallel, registry, series } from 'gulp';
import { installExitCodes } from './lib/exit';
import { defineTask, describe, flags, lazy } from './tasks/define';
import { DescribedRegistry } from './tasks/registry';

// Each step's module loads when its task runs, so listing the tasks stays fast.
type Tasks = {
  buildImages: typeof import('./tasks/buildImages');
  cleanWorkspace: typeof import('./tasks/cleanWorkspace');
  contrailAnsible: typeof import('./tasks/contrailAnsible');
  contrailRepo: typeof import('./tasks/contrailRepo');
  packageBuild: typeof import('./tasks/packageBuild');
  planImages: typeof import('./tasks/planImages');
  pushImages: typeof import('./tasks/pushImages');
  saveImages: typeof import('./tasks/saveImages');
};
const step = <F extends keyof Tasks, K extends keyof Tasks[F]>(file: F, name: K) =>
  lazy(() => require(`./tasks/${file}`) as Tasks[F], name);

installExitCodes();
registry(new DescribedRegistry());

const build = ['contrail-version', 'os', 'images', 'jobs', 'work-dir', 'no-cache'];
const packages = ['packages-tar', 'packages-dir', 'packages-url', 'repo-port'];
const ansible = ['ansible-artifact', 'ansible-repo', 'ansible-ref'];

export const packageBuild = defineTask('packageBuild',
  "Build Contrail's Debian packages from the sources in packages.build, in a builder container",
  flags('contrail-version', 'os', 'work-dir'), step('packageBuild', 'packageBuild'));

export const contrailRepo = defineTask('contrailRepo',
  'Serve the Contrail packages (tar, folder, URL, or packageBuild) from the contrail-repo container',
  flags('contrail-version', 'os', 'work-dir', ...packages), step('contrailRepo', 'contrailRepo'));

export const contrailAnsible = defineTask('contrailAnsible',
  'Make contrail-ansible-<version>.tar.gz: the repo at its ref with every ansible-galaxy dependency',
  flags('contrail-version', 'work-dir', ...ansible), step('contrailAnsible', 'contrailAnsible'));

export const prep = describe(parallel(contrailRepo, contrailAnsible),
  'contrailRepo and contrailAnsible, side by side', flags('contrail-version', 'os', 'work-dir', ...packages, ...ansible));

export const buildImages = defineTask('buildImages',
  'Build the image family contrail-<component>-<os>:<version>, skipping what has not changed',
  flags(...build), step('buildImages', 'buildImages'));

export const plan = defineTask('plan',
  'Show what would be built and what skipped, and why, without building', flags(...build), step('planImages', 'planImages'));

export const all = describe(series(prep, buildImages),
  'prep, then buildImages: the whole family (the default task)', flags(...build, ...packages, ...ansible));

// The save folder and the registry are checked before anything is built: a wrong password or a
// read-only folder fails in seconds, not after the build.
export const save = describe(series(defineTask('checkSaveDir', 'Check that the save folder is given and writable',
  flags('save-dir'), step('saveImages', 'checkSaveDir')), prep, buildImages, defineTask('saveImages',
  'Save the family, the repo image and the ansible artifact into the save folder',
  flags('save-dir', 'per-image'), step('saveImages', 'saveImages'))),
  'Build what is missing, then save the family into --save-dir', flags(...build, 'save-dir', 'per-image'));

export const push = describe(series(defineTask('checkRegistry', 'Check that the registry answers and accepts the credentials',
  flags('registry', 'registry-user'), step('pushImages', 'checkRegistry')), prep, buildImages, defineTask('pushImages',
  'Push the family and the repo image to the registry', flags('registry', 'registry-user'), step('pushImages', 'pushImages'))),
  'Build what is missing, then push the family to --registry', flags(...build, 'registry', 'registry-user'));

export const clean = defineTask('clean',
  "Remove the repo container, this project's containers, temporary files and (unless --keep-images) its images",
  flags('contrail-version', 'os', 'work-dir', 'keep-images', 'all'), step('cleanWorkspace', 'cleanWorkspace'));

export default all;
