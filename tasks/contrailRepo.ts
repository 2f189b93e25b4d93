import type { Run } from '../lib/run';
import type { RepoResult } from '../lib/steps';
import { notBuiltYet } from './notBuiltYet';

export async function contrailRepo(run: Run): Promise<RepoResult> {
  return run.once('contrailRepo', async () => {
    await run.engine();
    return notBuiltYet('contrailRepo', 'contrailRepo and packageBuild');
  });
}
