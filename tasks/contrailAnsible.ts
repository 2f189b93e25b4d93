import type { Run } from '../lib/run';
import { notBuiltYet } from './notBuiltYet';

export async function contrailAnsible(run: Run): Promise<void> {
  return run.once('contrailAnsible', async () => {
    await run.engine();
    return notBuiltYet('contrailAnsible', 'contrailAnsible');
  });
}
