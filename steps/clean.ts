import { cleanAll, type CleanResult } from '../lib/clean/cleanAll';
import type { Logger } from '../lib/log';
import type { Run } from '../lib/run';

/** Removes what this config's runs left: containers, work files and (unless kept) images, on every engine of the run. */
export async function clean(run: Run): Promise<CleanResult> {
  if (run.config.engines == null) return cleanAll(await run.engine(), run.config, run.log);
  const total: CleanResult = { containers: [], images: [], paths: [], kept: [] };
  for (const engine of await run.liveEngines()) {
    const r = await cleanAll(engine.docker, run.config, prefixed(run.log, `engine ${engine.name}: `));
    total.containers.push(...r.containers);
    total.images.push(...r.images);
    total.paths.push(...r.paths);
    total.kept.push(...r.kept);
  }
  return total;
}

/** Each engine's lines say which engine they are about. */
function prefixed(log: Logger, prefix: string): Logger {
  return {
    debug: (m) => log.debug(prefix + m),
    info: (m) => log.info(prefix + m),
    warn: (m) => log.warn(prefix + m),
    error: (m) => log.error(prefix + m),
  };
}
