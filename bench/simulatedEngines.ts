/**
 * The bench's simulated figures for many engines (issue 19): the real schedule (lib/images/
 * schedule.ts, placement.ts) on a virtual clock over the cold run's measured image times, on 1, 2,
 * 4 and 8 engines of `jobs` builds each, for the demo family and a 60-image TF-shaped family.
 * Simulated, not measured: no engine builds anything here.
 */
import { buildGraph } from '../lib/images/graph';
import { measuredFamilies, simulate } from '../lib/images/simulate';
import type { Summary } from '../lib/images/summary';
import { formatDuration } from '../lib/text';

const ENGINES = [1, 2, 4, 8];

export async function simulatedEngines(cold: Summary, pushColdMs: number): Promise<string[]> {
  const measured = cold.images.map((i) => ({ component: i.component, parents: i.parents, buildMs: i.buildMs ?? i.durationMs, size: i.size ?? 0 }));
  const lines = ['', `simulated (the real scheduler over the cold run's image times, ${cold.jobs} builds per engine; pulls priced by the cold push):`];
  for (const family of measuredFamilies(measured, pushColdMs)) {
    const graph = buildGraph(family.members.map((m) => ({ name: m.name, ref: `${m.name}:sim`, parentRefs: m.parents.map((p) => `${p}:sim`) })));
    const spans: number[] = [];
    for (const engines of ENGINES) {
      spans.push((await simulate({ graph, buildMs: family.buildMs, pullMs: family.pullMs, engines, jobsPerEngine: cold.jobs })).makespanMs);
    }
    lines.push(`simulated ${family.name}: ${ENGINES.map((e, i) => `${e} engine${e === 1 ? '' : 's'} ${formatDuration(spans[i])}`).join(', ')}`);
    const short = family.name.replace(/ \(.*\)$/, '');
    lines.push(`simulated ${short}, 4 engines / 1: ${(spans[2] / spans[0]).toFixed(2)}`);
  }
  return lines;
}
