/**
 * Where an image builds. One interface, two implementations: one engine (every image there, as
 * before), and many engines, where a child goes to a free engine that already holds its parents
 * (their layers are there) while that engine has a core to spare, and otherwise to the least
 * loaded engine (builds running per core), which then pulls the parents from the registry by their
 * `h-` tags. Slots alone would keep a family on one engine: BuildKit's `jobs` (6 per CPU) leave
 * room for every child of a parent on the engine that built it, all sharing its few cores.
 * The schedule (schedule.ts) asks; pure.
 */

export interface EngineSlots {
  name: string;
  /** builds at once on this engine */
  jobs: number;
  /** its CPUs (the engine's NCPU); absent: unknown, and slots alone decide */
  cores?: number;
}

export interface FreeEngine {
  engine: string;
  /** free build slots */
  room: number;
}

export interface Placement {
  engines: EngineSlots[];
  /** Which of `free` (engines with a free slot and how many, never empty) builds `image`, whose family parents are `parents`. */
  pick(image: string, parents: string[], free: FreeEngine[]): string;
  /** `image` is now on `engine` (built or pulled there) */
  record(image: string, engine: string): void;
  /** Whether `engine` holds `image` (built there, or pulled) */
  holds(engine: string, image: string): boolean;
  /** `engine` is gone: it holds nothing any more (the schedule picks it no more) */
  lose(engine: string): void;
}

/** Everything on the one engine. */
export function oneEngine(jobs: number, name = 'engine'): Placement {
  return {
    engines: [{ name, jobs: Math.max(1, Math.floor(jobs)) }],
    pick: () => name,
    record: () => {},
    holds: () => true,
    lose: () => {},
  };
}

/**
 * Spread over engines, children near their parents: first a free engine holding the most of the
 * parents that still has a core to spare; then the least loaded (running builds per core); ties:
 * the most parents held, the most free slots, the order listed.
 */
export function manyEngines(engines: EngineSlots[]): Placement {
  const held = new Map(engines.map((e) => [e.name, new Set<string>()]));
  const order = new Map(engines.map((e, i) => [e.name, i]));
  const slots = new Map(engines.map((e) => [e.name, { jobs: Math.max(1, Math.floor(e.jobs)), cores: e.cores ?? Infinity }]));
  return {
    engines: engines.map((e) => ({ ...e, jobs: slots.get(e.name)!.jobs })),
    pick(_image, parents, free) {
      const holding = (f: FreeEngine) => parents.filter((p) => held.get(f.engine)?.has(p)).length;
      const running = (f: FreeEngine) => slots.get(f.engine)!.jobs - f.room;
      const load = (f: FreeEngine) => running(f) / slots.get(f.engine)!.cores;
      const nearAndIdle = (f: FreeEngine) => (running(f) < slots.get(f.engine)!.cores ? holding(f) : 0);
      return [...free].sort((a, b) => nearAndIdle(b) - nearAndIdle(a) || load(a) - load(b) || holding(b) - holding(a)
        || b.room - a.room || order.get(a.engine)! - order.get(b.engine)!)[0].engine;
    },
    record: (image, engine) => void held.get(engine)?.add(image),
    holds: (engine, image) => held.get(engine)?.has(image) ?? false,
    lose: (engine) => void held.delete(engine),
  };
}
