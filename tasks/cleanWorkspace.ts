import type { Run } from '../lib/run';
import { notBuiltYet } from './notBuiltYet';

export async function cleanWorkspace(run: Run): Promise<void> {
  return run.once('cleanWorkspace', async () => {
    await run.engine();
    return notBuiltYet('cleanWorkspace', 'save, push and clean');
  });
}
