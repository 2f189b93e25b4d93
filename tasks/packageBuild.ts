import type { Run } from '../lib/run';
import { notBuiltYet } from './notBuiltYet';

export async function packageBuild(run: Run): Promise<void> {
  return run.once('packageBuild', async () => notBuiltYet('packageBuild', 'contrailRepo and packageBuild'));
}
