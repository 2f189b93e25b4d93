/**
 * plan: what buildImages would do, image by image, and why, without building, pulling or staging
 * anything. It needs the package index and the ansible artifact to hash against, so it runs prep
 * (which itself does nothing when its outputs are current).
 */
import { formatPlan, type Plan, planFamily } from '../lib/images/familyPlan';
import type { Run } from '../lib/run';
import { type FamilyNeeds, gatherFacts, prepareFamily } from './familyFacts';

export async function plan(run: Run, needs: FamilyNeeds): Promise<Plan> {
  const docker = await run.engine();
  const family = prepareFamily(run, needs);
  const facts = await gatherFacts(run, docker, family);
  const result: Plan = { entries: planFamily(family.graph.order, facts, { noCache: run.config.noCache }) };
  for (const line of formatPlan(result)) run.log.info(line);
  return result;
}
