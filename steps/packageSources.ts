/** packageSources: packages.build.sources resolved first, when they are the packages' input (lib/packages/resolveSources.ts). */
import { resolveSourcesIfBuilding } from '../lib/packages/resolveSources';
import type { Run } from '../lib/run';

export async function packageSources(run: Run): Promise<void> {
  await resolveSourcesIfBuilding(run);
}
