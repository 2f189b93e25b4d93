import type { Run } from '../lib/run';
import { notBuiltYet } from './notBuiltYet';

export async function planImages(run: Run): Promise<void> {
  return run.once('planImages', async () => {
    await run.engine();
    return notBuiltYet('planImages', 'buildImages');
  });
}
