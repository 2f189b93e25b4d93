/** The steps as functions of a run, as tests call them (through the run-once memo, with their needs). */
import { runStep } from '../../lib/step';
import type { Run } from '../../lib/run';
import * as steps from '../../steps';

export const packageBuild = (run: Run) => runStep(run, steps.packageBuild);
export const contrailRepo = (run: Run) => runStep(run, steps.contrailRepo);
export const contrailAnsible = (run: Run) => runStep(run, steps.contrailAnsible);
export const buildImages = (run: Run) => runStep(run, steps.buildImages);
export const planImages = (run: Run) => runStep(run, steps.plan);
export const saveImages = (run: Run) => runStep(run, steps.saveImages);
export const pushImages = (run: Run) => runStep(run, steps.pushImages);
export const cleanWorkspace = (run: Run) => runStep(run, steps.clean);
