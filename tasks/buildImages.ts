import type { Run } from '../lib/run';
import { notBuiltYet } from './notBuiltYet';

export async function buildImages(run: Run): Promise<void> {
  return run.once('buildImages', async () => {
    await run.engine();
    return notBuiltYet('buildImages', 'buildImages');
  });
}
