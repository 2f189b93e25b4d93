/**
 * plan: what buildImages would do, image by image, and why, without building an image. It needs
 * the package index and the ansible artifact to hash against, so it runs prep (which itself does
 * nothing when its outputs are current).
 */
import { discardContext } from '../lib/images/context';
import { inputHash } from '../lib/images/inputs';
import { formatPlan, type Plan, type PlanEntry } from '../lib/images/plan';
import { decide } from '../lib/images/skip';
import type { Run } from '../lib/run';
import { existingImage, imageInputs, prepareFamily } from './family';
import { resolveParents } from './parents';

export function planImages(run: Run): Promise<Plan> {
  return run.once('planImages', async () => {
    const docker = await run.engine();
    const family = await prepareFamily(run);
    const entries = new Map<string, PlanEntry>();
    /** null: would be rebuilt, id not known yet */
    const ids = new Map<string, string | null>();
    for (const name of family.graph.order) {
      const img = family.images.get(name)!;
      const entry = (action: PlanEntry['action'], reason: string) => entries.set(name, { component: name, ref: img.ref, action, reason });
      const stuck = family.graph.nodes.get(name)!.parents.find((p) => ['fail', 'blocked'].includes(entries.get(p)!.action));
      if (stuck) {
        entry('blocked', `blocked by ${family.images.get(stuck)!.ref}, which would fail`);
        continue;
      }
      if (img.problem) {
        entry('fail', img.problem);
        continue;
      }
      const parents = await resolveParents(run, docker, family, img, ids, { pull: false });
      if (parents.kind === 'missing') {
        entry('fail', parents.problem);
        continue;
      }
      if (parents.kind === 'unknown') {
        ids.set(name, null);
        entry('build', `parent ${parents.parent} would be ${parents.parent.includes('not local') ? 'pulled' : 'rebuilt'}`);
        continue;
      }
      const { inputs, staged } = await imageInputs(run, family, img, parents.ids);
      discardContext(staged);
      const existing = await existingImage(docker, img.ref);
      const d = decide(existing, inputs, { noCache: run.config.noCache });
      ids.set(name, d.build ? null : existing!.id);
      entry(d.build ? 'build' : 'skip', d.build ? d.reason : `up to date (input hash ${inputHash(inputs).slice(0, 12)})`);
    }
    const plan: Plan = { entries: family.graph.order.map((n) => entries.get(n)!) };
    for (const line of formatPlan(plan)) run.log.info(line);
    return plan;
  });
}
