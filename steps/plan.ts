/**
 * plan: what buildImages would do, image by image, and why, without building, pulling or staging
 * anything. It needs the package index and the ansible artifact to hash against, so it runs prep
 * (which itself does nothing when its outputs are current). An image that would be built is
 * looked up in the cache registry by its input hash (a manifest request, no pull).
 */
import { hashTag } from '../lib/cache/identity';
import { hashLabels } from '../lib/cache/lookup';
import { runCache } from '../lib/cache/run';
import { formatPlan, type ImagePlan, type Plan, plannedOutcome, planImage } from '../lib/images/familyPlan';
import type { Run } from '../lib/run';
import { type FamilyNeeds, gatherFacts, prepareFamily } from './familyFacts';

export async function plan(run: Run, needs: FamilyNeeds): Promise<Plan> {
  const docker = await run.engine();
  const family = prepareFamily(run, needs);
  const facts = await gatherFacts(run, docker, family);
  const cache = await runCache(run);
  const options = { noCache: run.config.noCache };
  const done = new Map<string, ImagePlan>();
  const outcome = plannedOutcome(done, facts);
  // the family's plan (lib/images/familyPlan.ts planFamily), with one more fact gathered on the
  // way: an image that would be built is looked up in the cache registry by its input hash
  for (const name of family.graph.order) {
    let p = planImage(facts.get(name)!, outcome, options);
    if (p.action === 'build' && p.inputHash && cache) {
      const found = await cache.find(p.ref, hashTag(p.inputHash), hashLabels(p.inputHash));
      if (found) {
        facts.set(name, { ...facts.get(name)!, inRegistry: { inputHash: p.inputHash, id: found.id } });
        p = planImage(facts.get(name)!, outcome, options);
      }
    }
    done.set(name, p);
  }
  const result: Plan = { entries: family.graph.order.map((n) => done.get(n)!) };
  for (const line of formatPlan(result)) run.log.info(line);
  return result;
}
