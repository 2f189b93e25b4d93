import type { Run } from '../lib/run';
import type { PackageBuildResult } from '../lib/steps';
import { notBuiltYet } from './notBuiltYet';

export async function packageBuild(run: Run): Promise<PackageBuildResult> {
  return run.once('packageBuild', async () => {
    await run.engine();
    return notBuiltYet('packageBuild', 'contrailRepo and packageBuild');
  });
}
