/**
 * Layers that show, checked on the source: no import cycle between files of lib/, steps/, tasks/
 * and gulpfile.ts (type-only imports and lazy require() included: a cycle is a tangle whether the
 * runtime trips on it or not); no lower layer imports a higher one (lib < steps < tasks); the pure
 * planners reach no file system, Docker, git or network module, however indirectly.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import test from 'ava';

const ROOT = path.resolve(__dirname, '..', '..');

function sourceFiles(): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    const abs = path.join(ROOT, rel);
    if (fs.statSync(abs).isDirectory()) for (const f of fs.readdirSync(abs).sort()) walk(path.join(rel, f));
    else if (rel.endsWith('.ts')) out.push(rel.split(path.sep).join('/'));
  };
  for (const r of ['lib', 'steps', 'tasks', 'gulpfile.ts']) walk(r);
  return out;
}

/** Every module a file names: import/export ... from, import '...', require('...'), import('...'); comments left out. */
export function importsOf(source: string): string[] {
  const text = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const specs: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s+(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm)) specs.push(m[1]);
  for (const m of text.matchAll(/\b(?:require|import)\(\s*['"]([^'"]+)['"]\s*\)/g)) specs.push(m[1]);
  return specs;
}

function resolveLocal(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const base = path.posix.join(path.posix.dirname(from), spec);
  for (const c of [`${base}.ts`, `${base}/index.ts`]) if (fs.existsSync(path.join(ROOT, c))) return c;
  return null;
}

interface Graph {
  /** file -> local files it imports */
  local: Map<string, Set<string>>;
  /** file -> packages and node: modules it imports */
  external: Map<string, Set<string>>;
}

function importGraph(): Graph {
  const g: Graph = { local: new Map(), external: new Map() };
  for (const f of sourceFiles()) {
    const local = new Set<string>();
    const external = new Set<string>();
    for (const spec of importsOf(fs.readFileSync(path.join(ROOT, f), 'utf8'))) {
      const r = resolveLocal(f, spec);
      if (r) local.add(r);
      else if (!spec.startsWith('.')) external.add(spec);
    }
    g.local.set(f, local);
    g.external.set(f, external);
  }
  return g;
}

/** Strongly connected components of more than one node (Tarjan), each sorted. */
export function cycles(edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1) out.push(c.sort());
    }
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return out;
}

/**
 * Left to the branch that rewrites them (issue 18 items 1-3, one package path for deb and rpm):
 * the rpm repo flavour and the repo server import each other.
 */
const KNOWN_FILE_CYCLES = [['lib/packages/repoServer.ts', 'lib/packages/rpmRepoFlavor.ts']];

/**
 * The areas of lib/ that still import each other around the engine adapter (lib/docker reads
 * package and image facts). It may shrink; no other area may join it, and no other circle of
 * areas may form (lib/push and lib/cache were one: push now owns the registry's names).
 */
const KNOWN_AREA_CYCLE = ['lib/config', 'lib/docker', 'lib/images', 'lib/packages', 'lib/plan', 'lib/run.ts', 'lib/sandbox'];

const area = (f: string) => {
  const p = f.split('/');
  if (p[0] === 'lib') return p.length > 2 ? `lib/${p[1]}` : f;
  return p[0];
};

test('the cycle finder finds a cycle, and only cycles', (t) => {
  const edges = new Map([['a', new Set(['b'])], ['b', new Set(['c'])], ['c', new Set(['a'])], ['d', new Set(['a'])]]);
  t.deepEqual(cycles(edges), [['a', 'b', 'c']]);
  t.deepEqual(importsOf("import type { X } from './x';\nexport { y } from '../y';\nconst z = require('./z') as typeof import('./z');\n"), ['./x', '../y', './z', './z']);
  t.deepEqual(importsOf("/** e.g. `import('../steps/a')` */\n  // require('./b')\nimport * as fs from 'node:fs';\n"), ['node:fs']);
});

test('no import cycle between the files of lib/, steps/, tasks/ and gulpfile.ts', (t) => {
  const found = cycles(importGraph().local);
  const unknown = found.filter((c) => !KNOWN_FILE_CYCLES.some((k) => k.join() === c.join()));
  t.deepEqual(unknown, [], `import cycles: ${unknown.map((c) => c.join(' <-> ')).join('; ')}`);
});

test('no circle of areas beyond the known one around the engine adapter', (t) => {
  const edges = new Map<string, Set<string>>();
  for (const [f, to] of importGraph().local) {
    const from = area(f);
    if (!edges.has(from)) edges.set(from, new Set());
    for (const g of to) if (area(g) !== from) edges.get(from)!.add(area(g));
  }
  for (const c of cycles(edges)) t.true(c.every((a) => KNOWN_AREA_CYCLE.includes(a)), `areas in a circle: ${c.join(', ')}`);
});

test('lower layers import no higher one: lib/ no steps/ or tasks/, steps/ no tasks/; gulp only in tasks/ and gulpfile.ts', (t) => {
  const g = importGraph();
  const rank = (f: string) => (f.startsWith('lib/') ? 0 : f.startsWith('steps/') ? 1 : 2);
  for (const [f, to] of g.local) for (const d of to) t.true(rank(d) <= rank(f), `${f} imports ${d}`);
  for (const [f, ext] of g.external) {
    if (f.startsWith('tasks/') || f === 'gulpfile.ts') continue;
    for (const m of ext) t.false(/^(gulp|undertaker|gulp-cli)(\/|$)/.test(m), `${f} imports ${m}`);
  }
});

/**
 * The planners: facts in, a plan out. (lib/packages/buildPlan.ts is one too, but reaches
 * lib/fs/read.ts through debFile.ts, where a file name's parsing sits beside the file's check:
 * left to the branch that rewrites lib/packages.)
 */
const PLANNERS = ['lib/plan/repoPlan.ts', 'lib/plan/imagePackages.ts', 'lib/plan/runPlan.ts', 'lib/images/familyPlan.ts', 'lib/clean/plan.ts'];
const IO_MODULES = /^(node:)?(fs|fs\/promises|child_process|net|http|https|dgram|tls)$|^(dockerode|simple-git|tar)(\/|$)/;
const IO_FOLDERS = ['lib/docker/', 'lib/git/', 'lib/net/', 'lib/fs/'];

test('the pure planners reach no file system, Docker, git or network module, however indirectly', (t) => {
  const g = importGraph();
  for (const planner of PLANNERS) {
    const seen = new Set<string>();
    const visit = (f: string) => {
      if (seen.has(f)) return;
      seen.add(f);
      for (const d of g.local.get(f) ?? []) visit(d);
    };
    visit(planner);
    for (const f of seen) {
      // lib/docker/labels.ts is the names of our labels, constants the planners compare with;
      // lib/hash.ts gives them hashJson and sha256 (its sha256File reads files: splitting it out
      // would touch the dozen modules of other areas that use it)
      if (f === 'lib/hash.ts') continue;
      if (f !== 'lib/docker/labels.ts') t.false(IO_FOLDERS.some((d) => f.startsWith(d)), `${planner} reaches ${f}`);
      for (const m of g.external.get(f) ?? []) t.false(IO_MODULES.test(m), `${planner} reaches ${m} (through ${f})`);
    }
  }
});
