/**
 * The Contrail image build, as gulp tasks: each is derived from a step declared in steps/index.ts
 * (its description, flags, and the steps it needs, composed with gulp's series/parallel).
 * `npx gulp --tasks` lists them with their flags.
 */
import { registry } from 'gulp';
import { installExitCodes } from './lib/exit';
import * as steps from './steps';
import { gulpTask } from './tasks/gulpTask';
import { DescribedRegistry } from './tasks/registry';

installExitCodes();
registry(new DescribedRegistry());

export const packageBuild = gulpTask(steps.packageBuild);
export const contrailRepo = gulpTask(steps.contrailRepo);
export const contrailAnsible = gulpTask(steps.contrailAnsible);
export const prep = gulpTask(steps.prep);
export const buildImages = gulpTask(steps.buildImages);
export const plan = gulpTask(steps.plan);
export const all = gulpTask(steps.all);
export const save = gulpTask(steps.saveImages);
export const push = gulpTask(steps.pushImages);
export const pushPrep = gulpTask(steps.pushPrep);
export const publish = gulpTask(steps.publishImages);
export const ci = gulpTask(steps.ci);
export const clean = gulpTask(steps.clean);
export const sbomDiff = gulpTask(steps.sbomDiff);

export default all;
