/**
 * The bench's simulated figures for many engines (issue 19): the real schedule (lib/images/
 * schedule.ts, placement.ts) on a virtual clock, on 1, 2, 4 and 8 engines, for the demo family and
 * a 60-image TF-shaped family. Each simulated engine is this machine: `jobs` builds at once
 * sharing its cores, and each image's work is what the cold run measured, taken back to one core
 * with the same model (workOnOneCore: a build of ten running at once on two cores advanced at a
 * fifth of a core). Simulated, not measured: no engine builds anything here.
 */
import { buildGraph } from '../lib/images/graph';
import { lowerBoundMs, measuredFamilies, simulate, workOnOneCore } from '../lib/images/simulate';
import type { Summary } from '../lib/images/summary';
import type { Span } from '../lib/runRecord';
import { formatDuration } from '../lib/text';

const ENGINES = [1, 2, 4, 8];

export async function simulatedEngines(cold: Summary, coldSpans: Span[], pushColdMs: number, cores: number): Promise<string[]> {
  const built = coldSpans.filter((s) => s.kind === 'image' && s.status === 'built');
  const work = workOnOneCore(built, cores);
  const measured = cold.images.map((i) => ({ component: i.component, parents: i.parents, buildMs: work.get(i.component) ?? i.buildMs ?? i.durationMs, size: i.size ?? 0 }));
  const lines = ['', `simulated (the real scheduler on engines like this one: ${cold.jobs} builds at once sharing ${cores} cores; each image's cold-run work on one core; pulls priced by the cold push):`];
  for (const family of measuredFamilies(measured, pushColdMs)) {
    const graph = buildGraph(family.members.map((m) => ({ name: m.name, ref: `${m.name}:sim`, parentRefs: m.parents.map((p) => `${p}:sim`) })));
    const spans: number[] = [];
    for (const engines of ENGINES) {
      spans.push((await simulate({ graph, buildMs: family.buildMs, pullMs: family.pullMs, engines, jobsPerEngine: cold.jobs, cores })).makespanMs);
    }
    lines.push(`simulated ${family.name}: ${ENGINES.map((e, i) => `${e} engine${e === 1 ? '' : 's'} ${formatDuration(spans[i])}`).join(', ')}`);
    const short = family.name.replace(/ \(.*\)$/, '');
    lines.push(`simulated ${short}, 4 engines / 1: ${(spans[2] / spans[0]).toFixed(2)}`);
    // what no scheduler could beat on 4 such engines (pulls aside): the family's own limit
    const bound = lowerBoundMs(graph, family.buildMs, 4 * cores);
    lines.push(`simulated ${short}, best possible on 4 engines / 1: ${(bound / spans[0]).toFixed(2)} (no schedule ends before ${formatDuration(bound)})`);
  }
  return lines;
}
