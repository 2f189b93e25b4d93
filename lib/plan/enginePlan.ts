/**
 * Which engine would build what, for `gulp plan` over several engines: the build's own schedule
 * and many-engine placement (lib/images/schedule.ts, placement.ts) run on a virtual clock over
 * the images the plan builds, each taking its last build time (what is skipped or taken from the
 * registry takes none). The build decides again as each image's turn comes, on what the engines
 * hold then; this is the same rule applied to the facts of now. Pure.
 */
import type { ImageGraph } from '../images/graph';
import type { EngineSlots } from '../images/placement';
import { simulate } from '../images/simulate';

/** image -> the engine that would build it, for the images whose action is 'build'. */
export async function placeBuilds(graph: ImageGraph, builds: ReadonlySet<string>, engines: EngineSlots[], estimateMs: (name: string) => number): Promise<Map<string, string>> {
  const r = await simulate({
    graph, engines: engines.length, jobsPerEngine: 1, slots: engines,
    buildMs: (n) => (builds.has(n) ? Math.max(1, estimateMs(n)) : 0),
    pullMs: () => 0,
  });
  const at = new Map<string, string>();
  for (const [engine, images] of r.perEngine) for (const image of images) if (builds.has(image)) at.set(image, engine);
  return at;
}
