import { readOsRelease } from '../lib/docker/osRelease';
import { inputError } from '../lib/errors';
import { familyFromOsRelease, type OsFamily } from '../lib/packages/osFamily';
import type { Run } from '../lib/run';
import { quote } from '../lib/text';
import type { BaseImage } from '../lib/docker/osImage';

/**
 * The build's OS family: the config's osFamily, else what the base image's /etc/os-release says
 * (ID, then ID_LIKE). Every step that picks a package tool asks here.
 */
export async function osFamily(run: Run, steps: { baseImage: () => Promise<BaseImage> }): Promise<OsFamily> {
  if (run.config.osFamily) return run.config.osFamily;
  const base = await steps.baseImage();
  const text = await readOsRelease(await run.engine(), base.id, run.config.workDir);
  const family = text === null ? null : familyFromOsRelease(text);
  if (!family) {
    throw inputError(`the OS family of base image ${quote(base.ref)} is not known: its /etc/os-release ${text === null ? 'is missing' : 'names neither a Debian nor an RPM distribution in ID or ID_LIKE'}`,
      'set "osFamily": "deb" or "rpm" in the config (or --os-family)');
  }
  run.log.info(`OS family: ${family} (from ${base.ref}'s /etc/os-release)`);
  return family;
}
