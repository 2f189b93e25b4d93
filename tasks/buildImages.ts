import type { Run } from '../lib/run';
import type { BuildResult } from '../lib/steps';
import { notBuiltYet } from './notBuiltYet';

export async function buildImages(run: Run): Promise<BuildResult> {
  return run.once('buildImages', async () => {
    await run.engine();
    return notBuiltYet('buildImages', 'buildImages');
  });
}
