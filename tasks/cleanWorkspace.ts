import { cleanAll, type CleanResult } from '../lib/clean/cleanAll';
import type { Run } from '../lib/run';

export async function cleanWorkspace(run: Run): Promise<CleanResult> {
  return run.once('cleanWorkspace', async () => cleanAll(await run.engine(), run.config, run.log));
}
