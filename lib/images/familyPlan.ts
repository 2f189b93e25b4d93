/**
 * The family's plan, from facts gathered beforehand (steps/familyFacts.ts): per image, build,
 * skip, fail or blocked, with the reason and the input hash. `gulp plan` prints planFamily;
 * buildImages applies planImage to each image as its turn comes, with its parents' real ids, so
 * both say the same thing for the same reasons.
 */
import type { ImageStatus } from '../steps';
import { type ImageInputs, inputHash } from './inputs';
import { decide, type ExistingImage, packagesOutrunCache } from './skip';

/**
 * What happens to an image; its outcome in summary.json and the console is STATUS[action].
 * undecided: only in `gulp plan`, when a fact the decision needs can be read only after prep
 * (the repo's index while its container is stopped).
 */
export type PlanAction = 'build' | 'skip' | 'fetch' | 'fail' | 'blocked' | 'undecided';

/** fetch: not built, taken from the cache registry (lib/cache), where an image of the same input hash is */
export const STATUS: Record<Exclude<PlanAction, 'undecided'>, ImageStatus> = { build: 'built', skip: 'skipped', fetch: 'skipped', fail: 'failed', blocked: 'blocked' };

/**
 * A parent image as its Dockerfile names it (`ref`, the key of its id in the inputs): a member
 * of the family (with the member's own reference, for messages), or another image with its id
 * (null: not local).
 */
export type ParentFact = { ref: string; member: string; memberRef: string } | { ref: string; id: string | null };

/** What is known about one image of the family before anything is built. */
export interface ImageFacts {
  name: string;
  ref: string;
  /** a Dockerfile that cannot be read or parsed, a parent that cannot be had: the image fails with this */
  problem: string | null;
  /** every input but the parents' ids */
  own: Omit<ImageInputs, 'parents'>;
  parents: ParentFact[];
  /** the image under its tag now */
  existing: (ExistingImage & { size: number }) | null;
  /** what the cache registry holds under the input hash this image would have (asked once that hash is known) */
  inRegistry?: { inputHash: string; id: string } | null;
  /** plan only: the package sources whose rebuild changes this image's packages (named in the reason) */
  changedBy?: string[];
  /** plan only: why its packages cannot be known before prep runs */
  undecided?: string;
}

/** What a family parent comes to: its image id, to be rebuilt (id not known yet), or failed. */
export type ParentOutcome = { id: string } | { rebuilt: true } | { failed: true } | { undecided: true };

export interface ImagePlan {
  component: string;
  ref: string;
  action: PlanAction;
  reason: string;
  /** the inputs it is built from; null while a parent's id is not known */
  inputs: ImageInputs | null;
  inputHash: string | null;
  /** parents that are not local: pulled before the build */
  pull: string[];
  /** only package contents changed: Docker's layer cache would hand back the old install */
  bypassLayerCache: boolean;
  /** over several engines (plan): the engine that would build it */
  engine?: string;
}

export interface PlanOptions {
  noCache: boolean;
}

export function planImage(f: ImageFacts, parentOutcome: (member: string) => ParentOutcome, options: PlanOptions): ImagePlan {
  const plan = (action: PlanAction, reason: string, inputs: ImageInputs | null = null, extra: Partial<ImagePlan> = {}): ImagePlan => ({
    component: f.name, ref: f.ref, action, reason, inputs, inputHash: inputs && inputHash(inputs), pull: [], bypassLayerCache: false, ...extra,
  });
  const ids: Record<string, string> = {};
  const pull: string[] = [];
  let rebuilt: string | undefined;
  for (const p of f.parents) {
    if ('member' in p) {
      const o = parentOutcome(p.member);
      if ('failed' in o) return plan('blocked', `blocked by ${p.memberRef}`);
      if ('undecided' in o) return plan('undecided', `parent ${p.memberRef} is undecided`);
      if ('rebuilt' in o) rebuilt ??= p.memberRef;
      else ids[p.ref] = o.id;
    } else if (p.id === null) pull.push(p.ref);
    else ids[p.ref] = p.id;
  }
  if (f.problem) return plan('fail', f.problem);
  if (f.undecided) return plan('undecided', f.undecided);
  if (rebuilt) return plan('build', `parent ${rebuilt} would be rebuilt`);
  if (pull.length) return plan('build', `parent ${pull[0]} (not local; the build would pull it) would be pulled`, null, { pull });
  const inputs: ImageInputs = { ...f.own, parents: ids };
  const d = decide(f.existing, inputs, options);
  const hash = inputHash(inputs);
  if (d.build && !options.noCache && f.inRegistry?.inputHash === hash) return plan('fetch', `from the registry (input hash ${hash.slice(0, 12)})`, inputs);
  const by = d.build && f.changedBy?.length ? ` (package source ${f.changedBy.join(', ')} rebuilt)` : '';
  return plan(d.build ? 'build' : 'skip', `${d.reason}${by}`, inputs, { bypassLayerCache: d.build && packagesOutrunCache(f.existing, inputs) });
}

/** The id an image that is skipped or fetched has; null for the other actions. */
export function plannedId(p: ImagePlan, f: ImageFacts): string | null {
  if (p.action === 'skip') return f.existing!.id;
  if (p.action === 'fetch') return f.inRegistry!.id;
  return null;
}

/** What a family parent comes to, by the plans made so far (parents are planned before children). */
export function plannedOutcome(done: ReadonlyMap<string, ImagePlan>, facts: ReadonlyMap<string, ImageFacts>) {
  return (member: string): ParentOutcome => {
    const p = done.get(member)!;
    const id = plannedId(p, facts.get(member)!);
    if (id) return { id };
    if (p.action === 'undecided') return { undecided: true };
    return p.action === 'build' ? { rebuilt: true } : { failed: true };
  };
}

/** Every image in order (parents first): what `gulp plan` prints and buildImages would do. */
export function planFamily(order: string[], facts: Map<string, ImageFacts>, options: PlanOptions): ImagePlan[] {
  const done = new Map<string, ImagePlan>();
  const outcome = plannedOutcome(done, facts);
  for (const name of order) done.set(name, planImage(facts.get(name)!, outcome, options));
  return order.map((n) => done.get(n)!);
}

export interface Plan {
  entries: ImagePlan[];
}

export function formatPlan(plan: { entries: Pick<ImagePlan, 'component' | 'ref' | 'action' | 'reason' | 'engine'>[] }): string[] {
  const width = Math.max(0, ...plan.entries.map((e) => e.ref.length));
  const count = (a: PlanAction) => plan.entries.filter((e) => e.action === a).length;
  const tally = [`${count('build')} to build`, `${count('skip')} to skip`];
  if (count('fetch')) tally.push(`${count('fetch')} from the registry`);
  if (count('fail')) tally.push(`${count('fail')} would fail`);
  if (count('blocked')) tally.push(`${count('blocked')} blocked`);
  if (count('undecided')) tally.push(`${count('undecided')} decided after prep`);
  return [
    ...plan.entries.map((e) => `${e.action.padEnd(7)} ${e.ref.padEnd(width)}  ${e.reason}${e.engine ? ` (on engine ${e.engine})` : ''}`),
    tally.join(', '),
  ];
}
