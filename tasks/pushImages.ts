import { engineTarget, loopbackOnTwoMachines } from '../lib/docker/engine';
import { connectRegistry, type EngineRegistryConfig, type RegistryTarget } from '../lib/push/connect';
import { pushAll } from '../lib/push/pushAll';
import type { PushOutcome } from '../lib/push/targets';
import type { Run } from '../lib/run';
import { shippableImages } from './ship';

/** Before any build: the registry answers and accepts the credentials. */
export async function checkRegistry(run: Run): Promise<RegistryTarget> {
  return run.once('checkRegistry', async () => {
    const twoMachines = loopbackOnTwoMachines(engineTarget(), `the registry ${run.config.registry}`, run.config.registry?.split('/')[0] ?? '');
    if (twoMachines) run.log.warn(`push: ${twoMachines}`);
    return connectRegistry({
      registry: run.config.registry,
      user: run.config.push.user,
      env: process.env,
      retries: run.config.push.retries,
      log: run.log,
      signal: run.signal,
      engineRegistryConfig: async () => ((await (await run.engine()).info()) as { RegistryConfig?: EngineRegistryConfig }).RegistryConfig,
    });
  });
}

export async function pushImages(run: Run): Promise<PushOutcome[]> {
  return run.once('pushImages', async () => {
    const target = await checkRegistry(run);
    const images = await shippableImages(run, 'push');
    return pushAll(await run.engine(), {
      target, images, version: run.config.version, jobs: run.config.jobs, retries: run.config.push.retries,
      log: run.log, signal: run.signal,
    });
  });
}
