/**
 * The package part of an image's inputs when the plan is made before the packages are: a package
 * a source would rebuild has no index stanza yet, so it is marked by that source (`pending:<source>`),
 * which differs from any hash the image was built with and names the cause. Pure.
 */
import { short, WHOLE_INDEX } from '../images/inputs';

const PENDING = 'pending:';

export interface IndexNow {
  indexHash: string;
  packages: Record<string, string>;
}

export interface PlannedPackages {
  /** package -> short hash, or pending:<source> */
  packages: Record<string, string>;
  /** the sources whose rebuild changes this image's packages */
  changedBy: string[];
}

/**
 * The hashes an image's packages will have. `rebuilt`: package -> the source that rebuilds it;
 * `indexChangedBy`: the first source rebuilt (any rebuild changes the repo's whole index), or null;
 * `index`: what the repo serves now, or null when it cannot be read. Null: not knowable now.
 */
export function plannedPackages(installs: readonly string[], index: IndexNow | null, rebuilt: ReadonlyMap<string, string>, indexChangedBy: string | null): PlannedPackages | null {
  const packages: Record<string, string> = {};
  const changedBy = new Set<string>();
  let notInIndex = false;
  let unreadable = false;
  for (const p of installs) {
    const by = rebuilt.get(p);
    const h = index?.packages[p];
    if (by) {
      packages[p] = `${PENDING}${by}`;
      changedBy.add(by);
    } else if (h) packages[p] = short(h);
    else if (index) notInIndex = true;
    else unreadable = true;
  }
  if (notInIndex || (unreadable && indexChangedBy)) {
    // a package the repo has no stanza for brings in the whole index (lib/images/inputs.ts packageHashes)
    if (indexChangedBy) changedBy.add(indexChangedBy);
    packages[WHOLE_INDEX] = indexChangedBy ? `${PENDING}${indexChangedBy}` : short(index!.indexHash);
  }
  // what the repo serves cannot be read now, and no rebuild decides the image: not knowable yet
  if (unreadable && changedBy.size === 0) return null;
  return { packages, changedBy: [...changedBy] };
}

/** Whether inputs hold a hash that is not known yet (the image's input hash cannot be looked up). */
export const hasPending = (packages: Record<string, string>): boolean => Object.values(packages).some((v) => v.startsWith(PENDING));
