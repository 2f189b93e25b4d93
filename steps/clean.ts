import { cleanAll, type CleanResult } from '../lib/clean/cleanAll';
import type { Run } from '../lib/run';

/** Removes what this config's runs left: containers, work files and (unless kept) images. */
export async function clean(run: Run): Promise<CleanResult> {
  return cleanAll(await run.engine(), run.config, run.log);
}
