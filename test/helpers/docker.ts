/** Shared set-up of the Docker integration tests: a real engine, the demo config, the demo base image. */
import * as path from 'node:path';
import type Docker from 'dockerode';
import { resolveConfig, type ResolvedConfig } from '../../lib/config/load';
import { ensureBaseImage } from '../../lib/docker/osImage';
import { dockerClient } from '../../lib/docker/engine';
import { memoryLogger, type MemoryLogger } from '../../lib/log';
import { createRun, type Run } from '../../lib/run';
import { withTestLock } from './lock';
import { tempDir } from './temp';

export const ROOT = path.resolve(__dirname, '..', '..');
export const DEMO_CONFIG = path.join(ROOT, 'examples', 'demo', 'config.json');

export const docker: Docker = dockerClient();

export interface DemoConfigOptions {
  /** a version of the test's own keeps its images apart from other test files' */
  version?: string;
  workDir?: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
}

/** The demo config, with a work folder of the test's own unless one is given. */
export function demoConfig(options: DemoConfigOptions = {}): ResolvedConfig {
  const args = ['--config', DEMO_CONFIG, '--work-dir', options.workDir ?? tempDir('contrail-work-')];
  if (options.version) args.push('--contrail-version', options.version);
  return resolveConfig({ args: [...args, ...(options.args ?? [])], env: options.env ?? {}, cwd: ROOT });
}

export function testRun(config: ResolvedConfig, log: MemoryLogger = memoryLogger(!!process.env.TEST_ECHO)): Run & { log: MemoryLogger } {
  return createRun({ config, log, docker }) as Run & { log: MemoryLogger };
}

/** debian:bookworm, bootstrapped once per machine (the demo's base OS image). */
export async function demoBaseImage(): Promise<string> {
  const config = demoConfig();
  return withTestLock('base-image', async () => {
    const base = await ensureBaseImage(
      docker,
      { ref: config.baseImage, bootstrap: config.bootstrap, scratchDir: path.join(config.workDir, 'bootstrap') },
      memoryLogger(!!process.env.TEST_ECHO),
    );
    return base.id;
  });
}

export async function imageLabels(ref: string): Promise<Record<string, string>> {
  return (await docker.getImage(ref).inspect()).Config.Labels ?? {};
}

export async function removeImage(ref: string): Promise<void> {
  try {
    await docker.getImage(ref).remove({ force: true });
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode !== 404) throw e;
  }
}
