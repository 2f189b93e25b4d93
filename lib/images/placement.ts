/**
 * Where an image builds. One interface, two implementations: one engine (every image there, as
 * before), and many engines, where a child goes to a free engine that already holds its parents
 * (their layers are there) and otherwise to the free engine with the most room, which then pulls
 * the parents from the registry by their `h-` tags. The schedule (schedule.ts) asks; pure.
 */

export interface EngineSlots {
  name: string;
  /** builds at once on this engine */
  jobs: number;
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

/** Spread over engines, children near their parents; ties: the most free slots, then the order listed. */
export function manyEngines(engines: EngineSlots[]): Placement {
  const held = new Map(engines.map((e) => [e.name, new Set<string>()]));
  const order = new Map(engines.map((e, i) => [e.name, i]));
  return {
    engines: engines.map((e) => ({ name: e.name, jobs: Math.max(1, Math.floor(e.jobs)) })),
    pick(_image, parents, free) {
      const holding = (e: string) => parents.filter((p) => held.get(e)?.has(p)).length;
      return [...free].sort((a, b) => holding(b.engine) - holding(a.engine) || b.room - a.room || order.get(a.engine)! - order.get(b.engine)!)[0].engine;
    },
    record: (image, engine) => void held.get(engine)?.add(image),
    holds: (engine, image) => held.get(engine)?.has(image) ?? false,
    lose: (engine) => void held.delete(engine),
  };
}
