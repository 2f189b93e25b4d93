/**
 * buildImages' use of the cache registry: an image whose input hash the registry holds (under
 * `h-<hash>`) is not built. It is pulled when this engine needs it (a plain build, save, or a
 * child that must be built from it); a run that only pushes leaves it in the registry, where
 * push finds it and only moves the version tag.
 */
import type { Run } from '../run';
import type { ShipImage } from '../ship';
import { describeError } from '../errors';
import { hashTag } from './identity';
import { type CachedImage, hashLabels } from './lookup';
import type { RegistryCache } from './registryCache';
import { HOW, wantsLocalImages } from './run';

export interface Taken {
  id: string;
  /** whether it is on this engine now */
  local: boolean;
  size: number | null;
  reason: string;
}

export interface FamilyFromRegistry {
  /** The image with this input hash from the registry, or null: build it. */
  take(name: string, ref: string, inputHash: string): Promise<Taken | null>;
  /** Pulls those of `parents` ([name, ref]) that were left in the registry. */
  pullParents(parents: [string, string][]): Promise<void>;
  /** Brings an image left in the registry onto this engine (push to another registry, save). */
  ensureLocal(image: ShipImage): Promise<string>;
  /** An image another engine made and stored under its identity tag: found there, not here (ensureLocal pulls it). */
  leftInRegistry(name: string, ref: string, found: CachedImage): void;
}

export interface FromRegistryOptions {
  /** never pull at take: the images stay in the registry until an engine or a step needs them (many engines) */
  leaveInRegistry?: boolean;
  /** the registry only hands this run's images between engines (--no-cache): nothing is taken from it */
  handOffOnly?: boolean;
}

const perRun = new WeakMap<Run, FamilyFromRegistry>();

/** The image the cache registry holds for this input hash (a manifest request, no pull): the one lookup plan and buildImages make. */
export const findFamilyImage = (cache: RegistryCache, ref: string, inputHash: string): Promise<CachedImage | null> =>
  cache.find(ref, hashTag(inputHash), hashLabels(inputHash));

/** The run's one view (the first caller's options hold: buildImages makes it before push and save ask). */
export function familyFromRegistry(run: Run, cache: RegistryCache | null, options: FromRegistryOptions = {}): FamilyFromRegistry {
  const known = perRun.get(run);
  if (known) return known;
  const remote = new Map<string, { name: string; found: CachedImage }>();
  const pulls = new Map<string, Promise<string>>();
  const pull = (name: string, ref: string, found: CachedImage) => {
    let p = pulls.get(ref);
    if (!p) {
      const started = Date.now();
      p = cache!.pull(found, ref, run.signal).then((id) => {
        remote.delete(ref);
        run.log.info(`${name}: pulled ${ref} from the registry (${Date.now() - started} ms)`);
        return id;
      });
      pulls.set(ref, p);
    }
    return p;
  };
  const api: FamilyFromRegistry = {
    async take(name, ref, inputHash) {
      if (!cache || options.handOffOnly) return null;
      const found = await findFamilyImage(cache, ref, inputHash);
      if (!found) return null;
      const reason = `${HOW.registry} (input hash ${inputHash.slice(0, 12)})`;
      if (!wantsLocalImages(run) || options.leaveInRegistry) {
        remote.set(ref, { name, found });
        return { id: found.id, local: false, size: null, reason };
      }
      try {
        const id = await pull(name, ref, found);
        const size = (await (await run.engine()).getImage(ref).inspect()).Size;
        return { id, local: true, size, reason };
      } catch (e) {
        if (run.signal.aborted) throw e;
        run.log.warn(`${name}: the registry has it, but the pull failed (${describeError(e)}); building it here`);
        return null;
      }
    },
    async pullParents(parents) {
      for (const [name, ref] of parents) {
        const r = remote.get(ref);
        if (r) await pull(name, ref, r.found);
      }
    },
    async ensureLocal(image) {
      const r = remote.get(image.ref);
      if (!r) return image.id;
      return pull(r.name, image.ref, r.found);
    },
    leftInRegistry(name, ref, found) {
      remote.set(ref, { name, found });
    },
  };
  perRun.set(run, api);
  return api;
}
