import type { Run } from '../lib/run';
import { notBuiltYet } from './notBuiltYet';

export async function packageBuild(run: Run): Promise<void> {
  return run.once('packageBuild', async () => {
    await run.engine();
    return notBuiltYet('packageBuild', 'contrailRepo and packageBuild');
  });
}
