/**
 * The demo family, built for real once per machine and reused by every test file through the
 * pipeline's own content-hash skip: same config, version and repo port as `npm run demo`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Docker from 'dockerode';
import type { ResolvedConfig } from '../../lib/config/load';
import { memoryLogger, type MemoryLogger } from '../../lib/log';
import { createRun, type Run } from '../../lib/run';
import type { AnsibleResult, BuildResult, RepoResult } from '../../lib/steps';
import { buildImages } from './steps';
import { contrailAnsible } from './steps';
import { contrailRepo } from './steps';
import { demoBaseImage, demoConfig } from './docker';
import { demoSources } from './demoSources';
import { withTestLock } from './lock';
import * as steps from '../../steps';
import { runStep } from '../../lib/step';
import { prepFromResults } from '../../steps/plan';

/**
 * A session that shares the engine with others whose demo differs (another branch) keeps its
 * demo family apart with CONTRAIL_TEST_DEMO_VERSION and CONTRAIL_TEST_DEMO_REPO_PORT.
 */
export const DEMO_VERSION = process.env.CONTRAIL_TEST_DEMO_VERSION || '4.0.0.0-20';
const DEMO_REPO_PORT = process.env.CONTRAIL_TEST_DEMO_REPO_PORT || '';
/** one work folder for every test file, so the last summary (build times) and prep outputs carry over */
export const DEMO_WORK_DIR = path.join(os.tmpdir(), `contrail-docker-test-demo-work${process.env.CONTRAIL_TEST_DEMO_VERSION ? `-${DEMO_VERSION}` : ''}`);
/** held while the demo family is built or used; a session's own family has a lock of its own */
export const DEMO_LOCK = process.env.CONTRAIL_TEST_DEMO_VERSION ? `demo-family-${DEMO_VERSION}` : 'demo-family';
/** the flags that select the demo family (with the demo config) on a gulp command line */
export const DEMO_ARGS = ['--contrail-version', DEMO_VERSION, '--work-dir', DEMO_WORK_DIR, ...(DEMO_REPO_PORT ? ['--repo-port', DEMO_REPO_PORT] : [])];

export interface DemoFamily {
  config: ResolvedConfig;
  build: BuildResult;
  repo: RepoResult;
  ansible: AnsibleResult;
  log: MemoryLogger;
}

/**
 * A Docker client that records the family images it is asked to build (other builds, such as the
 * contrail-repo image, are not counted) and passes every call on to the engine.
 */
export function countingDocker(): { docker: Docker; builds: () => number; built: string[] } {
  const docker = new Docker();
  const built: string[] = [];
  const real = docker.buildImage.bind(docker);
  docker.buildImage = ((...args: Parameters<Docker['buildImage']>) => {
    const t = (args[1] as { t?: string } | undefined)?.t ?? '';
    if (/^contrail-/.test(t) && !/^contrail-(repo|builder|galaxy)-/.test(t)) built.push(t);
    return real(...args);
  }) as Docker['buildImage'];
  return { docker, builds: () => built.length, built };
}

export function runWith(config: ResolvedConfig, docker?: Docker): Run & { log: MemoryLogger } {
  return createRun({ config, log: memoryLogger(!!process.env.TEST_ECHO), docker }) as Run & { log: MemoryLogger };
}

/** Builds (or, when current, skips) the demo family under the shared test lock. */
export async function demoFamily(): Promise<DemoFamily> {
  await Promise.all([demoBaseImage(), demoSources()]);
  return withTestLock(DEMO_LOCK, async () => {
    fs.mkdirSync(DEMO_WORK_DIR, { recursive: true });
    const config = demoConfig({ version: DEMO_VERSION, workDir: DEMO_WORK_DIR, args: DEMO_REPO_PORT ? ['--repo-port', DEMO_REPO_PORT] : [] });
    const run = runWith(config);
    const build = await buildImages(run);
    return { config, build, repo: await contrailRepo(run), ansible: await contrailAnsible(run), log: run.log };
  });
}

/**
 * A run whose prep results are the demo family's (real ones, from the steps): synthetic test
 * families need a repo and an artifact to hash against, not a repo of their own.
 */
export function runWithDemoPrep(config: ResolvedConfig, demo: DemoFamily, docker?: Docker): Run & { log: MemoryLogger } {
  const run = runWith(config, docker);
  void run.once(steps.contrailRepo, async () => demo.repo);
  void run.once(steps.contrailAnsible, async () => demo.ansible);
  // plan reads prep's facts instead of running prep: the same demo results
  void run.once(steps.planPrep, async () => prepFromResults(demo.repo, demo.ansible, await runStep(run, steps.baseImage)));
  return run;
}
