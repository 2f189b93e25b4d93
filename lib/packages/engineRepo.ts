/**
 * What one engine needs to serve the run's packages to its own builds (steps/engineRepo.ts): the
 * rule, from facts gathered before. Pure.
 *
 * - the engine contrailRepo served on, or packages from an existing repository (packages.url,
 *   no container anywhere): the run's own repo URL, nothing to do;
 * - any other engine: a repo container of its own on its own port (lib/packages/repoPorts.ts),
 *   from the repo image the registry holds under its `src-` tag (`h-` when the packages did not
 *   come from sources); pulled first unless the engine has that very image (its id) already.
 */
export interface EngineRepoFacts {
  /** the engine is the one contrailRepo served on (the first that answers) */
  first: boolean;
  /** the run's repo image; null with packages.url */
  repoImage: { id: string } | null;
  /** the image the engine has under the repo image's name now (its id), or null */
  local: { id: string } | null;
}

export type EngineRepoPlan =
  | { kind: 'the run repo'; why: string }
  | { kind: 'own container'; pull: boolean };

export function planEngineRepo(f: EngineRepoFacts): EngineRepoPlan {
  if (f.repoImage === null) return { kind: 'the run repo', why: 'packages.url: every engine uses that repository' };
  if (f.first) return { kind: 'the run repo', why: 'contrailRepo serves on this engine' };
  return { kind: 'own container', pull: f.local?.id !== f.repoImage.id };
}
