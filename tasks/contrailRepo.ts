import type { Run } from '../lib/run';
import { notBuiltYet } from './notBuiltYet';

export async function contrailRepo(run: Run): Promise<void> {
  return run.once('contrailRepo', async () => {
    await run.engine();
    return notBuiltYet('contrailRepo', 'contrailRepo and packageBuild');
  });
}
