import type { Run } from '../lib/run';
import { notBuiltYet } from './notBuiltYet';

export async function pushImages(run: Run): Promise<void> {
  return run.once('pushImages', async () => {
    await run.engine();
    return notBuiltYet('pushImages', 'save, push and clean');
  });
}
