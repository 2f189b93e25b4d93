import * as path from 'node:path';
import { type BaseImage, ensureBaseImage } from '../lib/docker/osImage';
import type { Run } from '../lib/run';
import { workPaths } from '../lib/workDir';

/** The OS image everything derives from: local, pulled, or bootstrapped. */
export async function baseImage(run: Run): Promise<BaseImage> {
  return ensureBaseImage(
    await run.engine(),
    {
      ref: run.config.baseImage,
      bootstrap: run.config.bootstrap,
      scratchDir: path.join(workPaths(run.config.workDir).tmp, 'bootstrap'),
      network: run.config.network,
    },
    run.log,
  );
}
