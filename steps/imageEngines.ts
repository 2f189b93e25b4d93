/**
 * Where buildImages' images build (issue 19). One interface, two implementations: one engine
 * (every image there, as always), and many engines that hand images to each other through the
 * cache registry: every image an engine makes or holds is stored at once under its `h-` tag, and
 * an engine about to build a child pulls the parents it lacks by those tags, so the child's lower
 * layers are its parents' own layers. Which engine builds what is the schedule's choice
 * (lib/images/placement.ts); this is the I/O around it.
 */
import * as os from 'node:os';
import type Docker from 'dockerode';
import type { Builder } from '../lib/docker/build';
import { builderName, imageBuilder } from '../lib/docker/builderChoice';
import { checkEngine } from '../lib/docker/engine';
import { localImage } from '../lib/docker/images';
import { type FamilyFromRegistry, familyFromRegistry, findFamilyImage } from '../lib/cache/familyImages';
import { pullFound, type RegistryCache } from '../lib/cache/registryCache';
import { handOffRegistry, runCache } from '../lib/cache/run';
import { hashTag } from '../lib/cache/identity';
import { describeError } from '../lib/errors';
import { argsOnEngine } from '../lib/images/engineArgs';
import type { ImageFacts } from '../lib/images/familyPlan';
import { buildJobs } from '../lib/images/jobs';
import { manyEngines, oneEngine, type Placement } from '../lib/images/placement';
import { storeIdentity } from '../lib/push/pushAll';
import type { LiveEngine, Run } from '../lib/run';
import type { RepoResult } from '../lib/steps';
import { formatDuration } from '../lib/text';
import { repoOnEngine } from './engineRepo';

export interface ImageEngine extends LiveEngine {
  builder: Builder;
  /** builds at once here */
  jobs: number;
  /** its CPUs (NCPU), which the builds running here share: the placement weighs them */
  cores: number;
  /** the run's first engine, the one save and push work on */
  first: boolean;
}

/** A family image as this run made or found it. */
export interface MadeImage {
  name: string;
  ref: string;
  id: string;
  inputHash: string;
}

export interface ImageEngines {
  /** more than one engine builds */
  many: boolean;
  placement: Placement;
  /** builds at once over every engine */
  jobs: number;
  /** the first engine: facts are gathered there; save and push work there */
  first: ImageEngine;
  /** the cache registry as buildImages uses it (images found there by their input hash) */
  fromRegistry: FamilyFromRegistry;
  /** one line per engine: its builder and how many builds at once */
  describe(): string[];
  get(name: string): ImageEngine;
  /** The facts of an image as its turn comes on `engine`: what that engine holds under its tag. */
  factsOn(engine: ImageEngine, facts: ImageFacts): Promise<ImageFacts>;
  /** The family parents of `child`, about to build on `engine`, made present there with the ids this run made. */
  bringParents(engine: ImageEngine, child: string, parents: MadeImage[]): Promise<void>;
  /** An image made or found on `engine`, handed to the other engines. */
  handOff(engine: ImageEngine, image: MadeImage): Promise<void>;
  /** Whether `engine` stopped answering: a failure there was the engine's, and its image is built elsewhere. */
  lost(engine: ImageEngine): Promise<boolean>;
  /** An image's build arguments on `engine` (the repo it reaches there). */
  buildArgs(engine: ImageEngine, args: Record<string, string>): Promise<Record<string, string>>;
}

async function imageEngine(run: Run, live: LiveEngine, first: boolean, cpus: () => Promise<number>): Promise<ImageEngine & { why: string }> {
  const choice = await imageBuilder(live.docker, run.config.builder, run.config.builderOrigin);
  const cores = await cpus();
  return { ...live, builder: choice.builder, why: choice.why, first, cores, jobs: buildJobs(run.config.jobs, run.config.jobsFromDefault, choice.builder, cores) };
}

/** The engines that build this run's images, each with its builder and builds at once: every live one (plan asks too). */
export async function buildingEngines(run: Run): Promise<(ImageEngine & { why: string })[]> {
  const docker = await run.engine();
  const live: LiveEngine[] = run.config.engines == null ? [{ name: run.engineTarget.address, target: run.engineTarget, docker }] : await run.liveEngines();
  if (live.length === 1) return [await imageEngine(run, live[0], true, async () => os.availableParallelism())];
  return Promise.all(live.map((e, i) => imageEngine(run, e, i === 0, async () => {
    // each engine's own cores (the builds run there); this machine's when it does not say
    const ncpu = ((await e.docker.info()) as { NCPU?: number }).NCPU;
    return ncpu && ncpu > 0 ? ncpu : os.availableParallelism();
  })));
}

/** The engines as the placement weighs them: builds at once and cores. */
export const engineSlots = (engines: ImageEngine[]) => engines.map((e) => ({ name: e.name, jobs: e.jobs, cores: e.cores }));

/** The engines this run's images build on (buildingEngines): one, or many handing images to each other through the registry. */
export async function imageEngines(run: Run, repo: RepoResult, engines: (ImageEngine & { why: string })[]): Promise<ImageEngines> {
  if (engines.length === 1) return oneEngineBuilds(run, engines[0], familyFromRegistry(run, await runCache(run)));
  const registry = await handOffRegistry(run);
  return manyEngineBuilds(run, engines, registry, repo, familyFromRegistry(run, registry, { leaveInRegistry: true, handOffOnly: run.config.noCache }));
}

const describeEngine = (e: ImageEngine & { why: string }, named: boolean) =>
  `images build with ${builderName(e.builder)}: ${e.why}; up to ${e.jobs} at once${named ? ` on engine ${e.name}` : ''}`;

/** Every image on the one engine, as before many engines: parents taken from the registry are pulled there. */
function oneEngineBuilds(run: Run, engine: ImageEngine & { why: string }, fromRegistry: FamilyFromRegistry): ImageEngines {
  return {
    many: false,
    placement: oneEngine(engine.jobs, engine.name),
    jobs: engine.jobs,
    first: engine,
    fromRegistry,
    describe: () => [describeEngine(engine, run.config.engines != null)],
    get: () => engine,
    factsOn: async (_engine, facts) => facts,
    bringParents: (_engine, _child, parents) => fromRegistry.pullParents(parents.map((p) => [p.name, p.ref])),
    handOff: async () => {},
    lost: async () => false,
    buildArgs: async (_engine, args) => args,
  };
}

/** Spread over the engines, each image handed to the others through the registry. */
function manyEngineBuilds(run: Run, engines: (ImageEngine & { why: string })[], registry: RegistryCache, repo: RepoResult, fromRegistry: FamilyFromRegistry): ImageEngines {
  const byName = new Map(engines.map((e) => [e.name, e]));
  const placement = manyEngines(engineSlots(engines));
  const pulls = new Map<string, Promise<void>>();
  const target = { address: registry.address, client: registry.client, auth: registry.auth, credentialSource: null, user: null };

  const pullParent = (engine: ImageEngine, child: string, p: MadeImage): Promise<void> => {
    const key = `${engine.name}\n${p.ref}\n${p.id}`;
    let pulled = pulls.get(key);
    if (!pulled) {
      pulled = (async () => {
        const t0 = Date.now();
        const found = await findFamilyImage(registry, p.ref, p.inputHash);
        if (!found) throw new Error(`parent ${p.ref} is not in the registry ${registry.address.host} under ${hashTag(p.inputHash)}, so engine ${engine.name} cannot have it`);
        if (found.id !== p.id) throw new Error(`the registry's ${p.ref} under ${hashTag(p.inputHash)} is ${found.id}, this run's is ${p.id}`);
        await pullFound(engine.docker, registry.auth, found, p.ref, run.signal);
        placement.record(p.name, engine.name);
        run.log.info(`${child}: pulled parent ${p.ref} onto engine ${engine.name} by its ${hashTag(p.inputHash).slice(0, 14)}… tag (${formatDuration(Date.now() - t0)})`);
      })();
      pulls.set(key, pulled);
      // a failed pull is tried again by the next image that needs it
      pulled.catch(() => pulls.delete(key));
    }
    return pulled;
  };

  return {
    many: true,
    placement,
    jobs: engines.reduce((n, e) => n + e.jobs, 0),
    first: engines[0],
    fromRegistry,
    describe: () => [
      ...engines.map((e) => describeEngine(e, true)),
      `${engines.length} engines build the family, handing images to each other through ${registry.address.host}`,
    ],
    get: (name) => byName.get(name)!,
    factsOn: async (engine, facts) => ({ ...facts, existing: await localImage(engine.docker, facts.ref) }),
    async bringParents(engine, child, parents) {
      for (const p of parents) {
        if ((await localImage(engine.docker, p.ref))?.id === p.id) continue;
        await pullParent(engine, child, p);
      }
    },
    async handOff(engine, image) {
      const outcome = await storeIdentity(engine.docker, { target, retries: run.config.push.retries, log: run.log, signal: run.signal },
        { component: image.name, ref: image.ref, id: image.id, inputHash: image.inputHash, size: null });
      run.log.info(`${image.name}: ${outcome.status === 'pushed' ? 'stored' : 'already'} in the registry under ${hashTag(image.inputHash).slice(0, 14)}… for the other engines`);
      if (engine.first) return;
      // save and push work on the first engine: it pulls this image from there when it needs it
      const found = await findFamilyImage(registry, image.ref, image.inputHash);
      if (found) fromRegistry.leftInRegistry(image.name, image.ref, found);
    },
    async lost(engine) {
      try {
        await checkEngine(engine.docker as Docker, engine.target, 3000);
        return false;
      } catch (e) {
        run.log.warn(`engine ${engine.name} stopped answering: ${describeError(e).split('\n')[0]}`);
        return true;
      }
    },
    async buildArgs(engine, args) {
      // each engine's builds install from its own repo container (the first engine's is the run's)
      return repo.container ? argsOnEngine(args, (await repoOnEngine(run, engine, repo)).url) : args;
    },
  };
}
