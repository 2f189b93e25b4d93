/**
 * The whole run's plan, as `gulp plan` prints it (and `--json` writes it): the base image, each
 * package source, the contrail-repo image and container, the contrail-ansible artifact, and each
 * image of the family, each with what would happen and why. Pure: made from facts gathered
 * beforehand (steps/plan.ts), formatted here.
 */
import { formatPlan, type ImagePlan } from '../images/familyPlan';
import type { RepoServerAction } from './repoPlan';

/** built: from sources; restored: the work folder's packages from the cache registry; skipped: up to date */
export interface SourcePlan {
  name: string;
  action: 'build' | 'restore' | 'skip';
  reason: string;
}

export interface PackagesPlan {
  /** where the packages come from (lib/packages/inputs.ts) */
  input: 'url' | 'tar' | 'dir' | 'build';
  /** the sources, when built from them */
  sources: SourcePlan[];
}

export interface RepoPlan {
  /** none: an existing repository URL is used, no container */
  action: RepoServerAction | 'none';
  /** the repo image is built first */
  buildImage: boolean;
  reason: string;
}

export interface AnsiblePlan {
  action: 'reuse' | 'make' | 'fetch' | 'given';
  reason: string;
}

export interface BasePlan {
  ref: string;
  /** local: used as the engine has it; make: pulled or bootstrapped first */
  action: 'local' | 'make';
}

export interface Plan {
  base: BasePlan;
  osFamily: string;
  packages: PackagesPlan;
  repo: RepoPlan;
  ansible: AnsiblePlan;
  /** every image of the selection, parents first */
  entries: ImagePlan[];
}

const REPO_WORDS: Record<RepoPlan['action'], string> = {
  reused: 'reused', started: 'started', created: 'started anew', none: 'none (an existing repository)',
};

/** The plan as console lines: prep first, then the family's table (lib/images/familyPlan.ts formatPlan). */
export function formatRunPlan(plan: Plan): string[] {
  const out = [`base image ${plan.base.ref}: ${plan.base.action === 'local' ? 'as the engine has it' : 'pulled or bootstrapped first'} (OS family ${plan.osFamily})`];
  if (plan.packages.input !== 'build') out.push(`packages: from packages.${plan.packages.input}`);
  for (const s of plan.packages.sources) out.push(`package source ${s.name}: ${s.action === 'build' ? 'built' : s.action === 'restore' ? 'restored from the registry' : 'up to date'} (${s.reason})`);
  out.push(`contrail-repo: ${plan.repo.buildImage ? 'image rebuilt, container ' : ''}${REPO_WORDS[plan.repo.action]} (${plan.repo.reason})`);
  const ansible = { reuse: 'reused', make: 'made', fetch: 'from the registry', given: 'the given artifact' }[plan.ansible.action];
  out.push(`contrail-ansible artifact: ${ansible} (${plan.ansible.reason})`);
  return [...out, ...formatPlan(plan)];
}

/** A source's recorded and resolved state, as far as plan needs it to say what changed. */
export interface SourceChange {
  /** the commit (git source) or revision (folder, sandbox) now, and as recorded; null when not recorded */
  now: string | null;
  before: string | null;
  /** a recipe source's projects: name -> commit now and as recorded */
  projects?: { name: string; now: string | null; before: string | null }[];
}

/** What changed in a source, in words: the projects that moved, or the commit it is at now. Pure. */
export function describeChange(c: SourceChange): string {
  const moved = (c.projects ?? []).filter((p) => p.now !== p.before);
  if (moved.length) return moved.map((p) => (p.before === null ? `project ${p.name} is new` : `project ${p.name} moved to ${(p.now ?? 'an unresolved commit').slice(0, 12)}`)).join(', ');
  if (c.before === null) return 'not built yet';
  if (c.now !== c.before && c.now) return `now at ${c.now.slice(0, 12)} (was ${c.before.slice(0, 12)})`;
  return '';
}
