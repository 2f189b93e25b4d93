/**
 * The image family as a graph: an image's parents are the images its Dockerfile builds FROM.
 * A parent that is another image of the family orders the builds; any other parent is external
 * (the OS image, or something the engine must already have).
 */
import { inputError } from '../errors';
import { normalizeRef } from './dockerfile';

export interface GraphInput {
  /** component name ('base' for contrail-base) */
  name: string;
  /** the image this component builds, e.g. contrail-base-debian12:4.0.0.0-20 */
  ref: string;
  /** image references from its Dockerfile (FROM, COPY --from) */
  parentRefs: string[];
}

export interface GraphNode {
  name: string;
  ref: string;
  /** family parents, by component name */
  parents: string[];
  /** parents outside the family, as written */
  external: string[];
  children: string[];
}

export interface ImageGraph {
  nodes: Map<string, GraphNode>;
  /** every node, parents before children, ties by name */
  order: string[];
}

export function buildGraph(inputs: GraphInput[]): ImageGraph {
  const byRef = new Map<string, string>();
  for (const i of inputs) byRef.set(normalizeRef(i.ref), i.name);
  const nodes = new Map<string, GraphNode>();
  for (const i of inputs) {
    const parents: string[] = [];
    const external: string[] = [];
    for (const r of i.parentRefs) {
      const p = byRef.get(normalizeRef(r));
      if (p === undefined) {
        if (!external.includes(r)) external.push(r);
      } else if (!parents.includes(p)) {
        parents.push(p);
      }
    }
    nodes.set(i.name, { name: i.name, ref: i.ref, parents, external, children: [] });
  }
  for (const n of nodes.values()) for (const p of n.parents) nodes.get(p)!.children.push(n.name);
  for (const n of nodes.values()) n.children.sort();
  return { nodes, order: topologicalOrder(nodes) };
}

/** Kahn's algorithm; what is left over lies on a cycle, which is reported with its path. */
function topologicalOrder(nodes: Map<string, GraphNode>): string[] {
  const waiting = new Map([...nodes.values()].map((n) => [n.name, n.parents.length]));
  const ready = [...nodes.values()].filter((n) => n.parents.length === 0).map((n) => n.name).sort();
  const order: string[] = [];
  while (ready.length) {
    const name = ready.shift()!;
    order.push(name);
    for (const c of nodes.get(name)!.children) {
      const left = waiting.get(c)! - 1;
      waiting.set(c, left);
      if (left === 0) {
        ready.push(c);
        ready.sort();
      }
    }
  }
  if (order.length < nodes.size) {
    const cycle = findCycle(nodes, new Set(order));
    throw inputError(
      `the images' FROM lines form a cycle: ${cycle.map((n) => nodes.get(n)!.ref).join(' -> ')}`,
      `an image cannot be built from its own descendant; fix the FROM line of ${nodes.get(cycle[cycle.length - 2])!.ref}'s Dockerfile, or of another image on the cycle`,
    );
  }
  return order;
}

/** A cycle among the nodes not in `done`, as [a, b, ..., a] in parent -> child order. */
function findCycle(nodes: Map<string, GraphNode>, done: Set<string>): string[] {
  const start = [...nodes.keys()].filter((n) => !done.has(n)).sort()[0];
  // walk up through parents that are also stuck until a node repeats
  const path: string[] = [];
  let at = start;
  while (!path.includes(at)) {
    path.push(at);
    at = nodes.get(at)!.parents.filter((p) => !done.has(p)).sort()[0];
  }
  const loop = path.slice(path.indexOf(at)).reverse();
  // start at the first name, so the same cycle always reads the same
  const first = loop.indexOf([...loop].sort()[0]);
  const rotated = [...loop.slice(first), ...loop.slice(0, first)];
  return [...rotated, rotated[0]];
}

/** The selected images and all their family ancestors; null selects everything. */
export function withAncestors(graph: ImageGraph, select: string[] | null): Set<string> {
  if (select === null) return new Set(graph.nodes.keys());
  const out = new Set<string>();
  const visit = (name: string) => {
    if (out.has(name)) return;
    const node = graph.nodes.get(name);
    if (!node) throw inputError(`image ${JSON.stringify(name)} is selected but the config does not define it`, `known images: ${[...graph.nodes.keys()].join(', ')}`);
    out.add(name);
    node.parents.forEach(visit);
  };
  select.forEach(visit);
  return out;
}

/** The graph restricted to `keep` (which must be closed under parents). */
export function subgraph(graph: ImageGraph, keep: Set<string>): ImageGraph {
  const nodes = new Map<string, GraphNode>();
  for (const [name, n] of graph.nodes) {
    if (keep.has(name)) nodes.set(name, { ...n, children: n.children.filter((c) => keep.has(c)) });
  }
  return { nodes, order: graph.order.filter((n) => keep.has(n)) };
}

/** All descendants of `name`. */
export function descendants(graph: ImageGraph, name: string): Set<string> {
  const out = new Set<string>();
  const stack = [...graph.nodes.get(name)!.children];
  while (stack.length) {
    const c = stack.pop()!;
    if (out.has(c)) continue;
    out.add(c);
    stack.push(...graph.nodes.get(c)!.children);
  }
  return out;
}

/**
 * A parent that looks like an image of this family (contrail-<x>-<os>:<version>) but that the
 * config does not define: the name of the component it would be, so the error can say what to add.
 */
export function familyLookalike(ref: string, os: string, version: string): string | null {
  const suffix = `-${os}:${version}`;
  if (!ref.startsWith('contrail-') || !ref.endsWith(suffix)) return null;
  return ref.slice('contrail-'.length, -suffix.length) || null;
}
