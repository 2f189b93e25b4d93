import type { Run } from '../lib/run';
import { notBuiltYet } from './notBuiltYet';

export async function saveImages(run: Run): Promise<void> {
  return run.once('saveImages', async () => {
    await run.engine();
    return notBuiltYet('saveImages', 'save, push and clean');
  });
}
