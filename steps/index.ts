/**
 * Every step of the pipeline, declared once (lib/step.ts): the gulp tasks, their `--tasks` help
 * and the run-once memo are derived from these. Each step's work lives in the module of the same
 * name in this folder and is loaded only when the step runs, so listing tasks stays fast.
 */
import type { BaseImage } from '../lib/docker/osImage';
import type { OsFamily } from '../lib/packages/osFamily';
import type { CleanResult } from '../lib/clean/cleanAll';
import type { Plan } from '../lib/plan/runPlan';
import type { PrepOutcomes } from './plan';
import type { RegistryTarget } from '../lib/push/connect';
import type { PushOutcome } from '../lib/push/targets';
import type { SaveResult } from '../lib/save/saveAll';
import type { ImageDiff } from '../lib/sbom/diff';
import type { PublishOutcome } from '../lib/push/publishFromCache';
import type { CiResult } from './ci';
import { defineStep, type NoSteps } from '../lib/step';
import type { AnsibleResult, BuildResult, PackageBuildResult, RepoResult } from '../lib/steps';

const BUILD_FLAGS = ['contrail-version', 'os', 'images', 'jobs', 'engines', 'work-dir', 'no-cache', 'cache-registry', 'builder'];

export const baseImage = defineStep<BaseImage>({
  name: 'baseImage',
  description: 'The OS image everything derives from: local, pulled, or bootstrapped with debootstrap',
  flags: ['os'],
  listed: false,
  load: async () => (require('./baseImage') as typeof import('./baseImage')).baseImage,
});

// Sources to build are resolved (git ls-remote) before anything waits on Docker or on other
// steps: an unreachable source (the default config offline) is the error, at once.
export const packageSources = defineStep<void>({
  name: 'packageSources',
  description: 'Resolve packages.build.sources when the packages are to be built from them',
  listed: false,
  load: async () => (require('./packageSources') as typeof import('./packageSources')).packageSources,
});

const base = { baseImage };

export const osFamily = defineStep<OsFamily, NoSteps, NoSteps, typeof base>({
  name: 'osFamily',
  description: 'The OS family (deb or rpm) that picks every package tool: osFamily in the config, else the base image\'s /etc/os-release',
  flags: ['os-family'],
  listed: false,
  mayRun: base,
  load: async () => (require('./osFamily') as typeof import('./osFamily')).osFamily,
});

const familyAndBase = { osFamily, baseImage };

export const packageBuild = defineStep<PackageBuildResult, NoSteps, NoSteps, typeof familyAndBase>({
  name: 'packageBuild',
  description: "Build Contrail's Debian packages from the sources in packages.build, in a builder container",
  flags: ['contrail-version', 'os', 'work-dir', 'cache-registry'],
  mayRun: familyAndBase,
  load: async () => (require('./packageBuild') as typeof import('./packageBuild')).packageBuild,
});

const repoMayRun = { osFamily, packageBuild, baseImage };

export const contrailRepo = defineStep<RepoResult, NoSteps, NoSteps, typeof repoMayRun>({
  name: 'contrailRepo',
  description: 'Serve the Contrail packages (tar, folder, URL, or packageBuild) from the contrail-repo container',
  flags: ['contrail-version', 'os', 'work-dir', 'packages-tar', 'packages-dir', 'packages-url', 'repo-port', 'cache-registry'],
  mayRun: repoMayRun,
  load: async () => (require('./contrailRepo') as typeof import('./contrailRepo')).contrailRepo,
});

export const contrailAnsible = defineStep<AnsibleResult, NoSteps, NoSteps, typeof familyAndBase>({
  name: 'contrailAnsible',
  description: 'Make contrail-ansible-<version>.tar.gz: the repo at its ref with every ansible-galaxy dependency',
  flags: ['contrail-version', 'work-dir', 'ansible-artifact', 'ansible-repo', 'ansible-ref', 'cache-registry'],
  mayRun: familyAndBase,
  load: async () => (require('./contrailAnsible') as typeof import('./contrailAnsible')).contrailAnsible,
});

export const prep = defineStep({
  name: 'prep',
  description: 'contrailRepo and contrailAnsible, side by side',
  first: { sources: packageSources },
  needs: { repo: contrailRepo, ansible: contrailAnsible },
});

const family = { repo: contrailRepo, ansible: contrailAnsible, base: baseImage };

export const familyDefined = defineStep<void>({
  name: 'familyDefined',
  description: 'Check that the config defines images',
  listed: false,
  load: async () => (require('./familyFacts') as typeof import('./familyFacts')).familyDefined,
});

const familyChecks = { defined: familyDefined, sources: packageSources };

export const buildImages = defineStep<BuildResult, typeof family, typeof familyChecks>({
  name: 'buildImages',
  description: 'Build the image family contrail-<component>-<os>:<version>, skipping what has not changed',
  flags: BUILD_FLAGS,
  first: familyChecks,
  needs: family,
  load: async () => (require('./buildImages') as typeof import('./buildImages')).buildImages,
});

// plan reads facts only: prep's plan is made from them (git ls-remote, files, engine inspections,
// registry manifests), not by running prep.
export const planPrep = defineStep<PrepOutcomes>({
  name: 'planPrep',
  description: "What prep would do (packages, repo, contrail-ansible), from facts only",
  // the flags of the steps whose facts it reads
  flags: [...new Set([osFamily, packageBuild, contrailRepo, contrailAnsible].flatMap((s) => s.flags))],
  listed: false,
  load: async () => (require('./plan') as typeof import('./plan')).prepOutcomes,
});

export const plan = defineStep<Plan, { prep: typeof planPrep }, typeof familyChecks>({
  name: 'plan',
  description: 'Show what a build would do, step by step, and why, without building anything',
  flags: [...BUILD_FLAGS, 'json'],
  first: familyChecks,
  needs: { prep: planPrep },
  load: async () => (require('./plan') as typeof import('./plan')).plan,
});

export const all = defineStep({
  name: 'all',
  description: 'prep, then buildImages: the whole family (the default task)',
  needs: { images: buildImages },
});

// The save folder and the registry are checked before anything is built: a wrong password or a
// read-only folder fails in seconds, not after the build.
export const checkSaveDir = defineStep<string>({
  name: 'checkSaveDir',
  description: 'Check that the save folder is given and writable',
  flags: ['save-dir'],
  listed: false,
  load: async () => (require('./save') as typeof import('./save')).checkSaveDir,
});

const shipped = { images: buildImages, repo: contrailRepo, ansible: contrailAnsible };

// save and push read each image's package database with the family's tools (SBOMs)
const shippedFamily = { family: osFamily };

export const saveImages = defineStep<SaveResult, typeof shipped, { dir: typeof checkSaveDir }, typeof shippedFamily>({
  name: 'saveImages',
  description: 'Build what is missing, then save the family into --save-dir',
  intent: 'save',
  flags: ['save-dir', 'per-image'],
  first: { dir: checkSaveDir },
  needs: shipped,
  mayRun: shippedFamily,
  load: async () => (require('./save') as typeof import('./save')).saveImages,
});

export const checkRegistry = defineStep<RegistryTarget>({
  name: 'checkRegistry',
  description: 'Check that the registry answers and accepts the credentials',
  flags: ['registry', 'registry-user'],
  listed: false,
  load: async () => (require('./push') as typeof import('./push')).checkRegistry,
});

// --cache-only --images X: X's ancestors must be in the registry by their input hashes (a CI job).
// Planned once prep has run, so the images' packages are known (the plan from facts alone leaves
// them undecided on a fresh runner, where no repo container serves yet).
const prepared = { repo: contrailRepo, ansible: contrailAnsible };
const planned = { plan };

export const parentsInRegistry = defineStep<void, typeof prepared, NoSteps, typeof planned>({
  name: 'parentsInRegistry',
  description: 'With --cache-only: check that the selected images\' parents are in the cache registry',
  flags: ['cache-only'],
  listed: false,
  needs: prepared,
  mayRun: planned,
  load: async () => (require('./ciJobs') as typeof import('./ciJobs')).parentsInRegistry,
});

export const pushImages = defineStep<PushOutcome[], typeof shipped, { target: typeof checkRegistry; parents: typeof parentsInRegistry }, typeof shippedFamily>({
  name: 'pushImages',
  description: 'Build what is missing, then push the family to --registry (--cache-only: under their input hashes only)',
  intent: 'push',
  flags: ['registry', 'registry-user', 'cache-only'],
  first: { target: checkRegistry, parents: parentsInRegistry },
  needs: shipped,
  mayRun: shippedFamily,
  load: async () => (require('./push') as typeof import('./push')).pushImages,
});

export const pushPrep = defineStep<PushOutcome[], typeof prepared, { sources: typeof packageSources; target: typeof checkRegistry }>({
  name: 'pushPrep',
  description: 'prep, then store the contrail-repo image and the contrail-ansible artifact in --registry under their identities (a CI\'s first job); no version tag moves',
  intent: 'push',
  flags: ['registry', 'registry-user'],
  first: { sources: packageSources, target: checkRegistry },
  needs: prepared,
  load: async () => (require('./ciJobs') as typeof import('./ciJobs')).pushPrep,
});

// planned once prep has run (as parentsInRegistry), so every image's input hash is known
export const publishImages = defineStep<PublishOutcome[], typeof prepared, { target: typeof checkRegistry }, typeof planned>({
  name: 'publishImages',
  description: 'Move the version tags of the whole family in --registry to the images stored there under their input hashes, all or nothing; nothing is built or uploaded',
  intent: 'push',
  flags: ['registry', 'registry-user'],
  first: { target: checkRegistry },
  needs: prepared,
  mayRun: planned,
  load: async () => (require('./ciJobs') as typeof import('./ciJobs')).publishImages,
});

export const ci = defineStep<CiResult>({
  name: 'ci',
  description: 'Write the family as a CI pipeline (--format github|gitlab): prep, one job per image, publish',
  flags: ['format', 'out', 'check', 'runner', 'schedule', 'manual', 'registry', 'registry-secret', 'user-secret', 'password-secret', 'images', 'contrail-version', 'os'],
  load: async () => (require('./ci') as typeof import('./ci')).ci,
});

export const sbomDiff = defineStep<ImageDiff[]>({
  name: 'sbomDiff',
  description: 'Compare the SBOMs of two family versions (two save folders, or two versions in --registry): packages added, removed, changed per image',
  flags: ['from', 'to', 'json', 'registry', 'registry-user'],
  load: async () => (require('./sbomDiff') as typeof import('./sbomDiff')).sbomDiff,
});

export const clean = defineStep<CleanResult>({
  name: 'clean',
  description: "Remove the repo container, this project's containers, temporary files and (unless --keep-images) its images",
  flags: ['contrail-version', 'os', 'work-dir', 'keep-images', 'all', 'engines'],
  load: async () => (require('./clean') as typeof import('./clean')).clean,
});
