import type { Run } from '../lib/run';
import type { AnsibleResult } from '../lib/steps';
import { notBuiltYet } from './notBuiltYet';

export async function contrailAnsible(run: Run): Promise<AnsibleResult> {
  return run.once('contrailAnsible', async () => {
    await run.engine();
    return notBuiltYet('contrailAnsible', 'contrailAnsible');
  });
}
