/**
 * packageBuild's decisions, from its manifest and the files actually present: which sources
 * rebuild, which are skipped, and whether every expected package came out. Pure.
 *
 * A source is skipped when the manifest records the same key (its name, its resolved revision:
 * the commit of a git source or the content hash of a folder, and the build recipe: builder
 * image, base image, build options) AND every file it recorded is present with the recorded
 * sha256. A manifest that is missing or unreadable means: build everything.
 */
import { hashJson } from '../hash';
import type { PackageFamily } from './family';
import type { SandboxRecord } from '../sandbox/resolve';

export const MANIFEST_NAME = 'manifest.json';
export const MANIFEST_FORMAT = 1;

export interface BuiltFile {
  /** file name inside the packages folder */
  file: string;
  package: string;
  version: string;
  architecture: string;
  sha256: string;
}

export interface ManifestSource {
  name: string;
  /** git sources */
  git?: string;
  ref?: string;
  subdir?: string;
  /** path sources */
  path?: string;
  /** recipe sources: the manifest, its commit, and every project's commit */
  sandbox?: SandboxRecord;
  /** the resolved commit of a git source; null for a folder */
  commit: string | null;
  /** the commit, or the content hash of a folder */
  revision: string;
  /** hash of name, revision, subdir and recipe: what decides a rebuild */
  key: string;
  /** packages its debian/control build-depends on: it is rebuilt when an earlier source rebuilds one */
  buildDepends?: string[];
  /** the build log, absolute */
  log: string;
  builtAt: string;
  files: BuiltFile[];
}

export interface Manifest {
  format: number;
  version: string;
  os: string;
  sources: ManifestSource[];
}

export function emptyManifest(version: string, os: string): Manifest {
  return { format: MANIFEST_FORMAT, version, os, sources: [] };
}

/** The manifest's content, or null when it cannot be trusted (then everything is rebuilt). */
export function parseManifest(text: string | null): Manifest | null {
  if (text === null) return null;
  let data: any;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  if (!data || data.format !== MANIFEST_FORMAT || !Array.isArray(data.sources)) return null;
  const ok = data.sources.every((s: any) =>
    s && typeof s.name === 'string' && typeof s.key === 'string' && Array.isArray(s.files) &&
    s.files.every((f: any) => f && typeof f.file === 'string' && typeof f.sha256 === 'string' && !f.file.includes('/')));
  return ok ? (data as Manifest) : null;
}

export interface KeyInputs {
  name: string;
  revision: string;
  subdir?: string;
  recipe: string;
}

export const sourceKey = (k: KeyInputs): string => hashJson({ name: k.name, revision: k.revision, subdir: k.subdir ?? '', recipe: k.recipe });

export interface SkipDecision {
  skip: boolean;
  /** why it is built (or 'unchanged') */
  reason: string;
}

/**
 * `present(file)` -> the sha256 of packages/<file>, or null when it is missing.
 */
export function decideSkip(entry: ManifestSource | undefined, key: string, present: (file: string) => string | null): SkipDecision {
  if (!entry) return { skip: false, reason: 'not built before' };
  if (entry.key !== key) return { skip: false, reason: 'its revision or the build recipe changed' };
  if (entry.files.length === 0) return { skip: false, reason: 'no outputs recorded' };
  for (const f of entry.files) {
    const sum = present(f.file);
    if (sum === null) return { skip: false, reason: `output ${f.file} is missing` };
    if (sum !== f.sha256) return { skip: false, reason: `output ${f.file} was changed` };
  }
  return { skip: true, reason: 'unchanged' };
}

export interface PlannedSource {
  name: string;
  decision: SkipDecision;
  /** what it build-depends on, as recorded when it was last built */
  buildDepends: readonly string[];
  /** the binary packages it makes: recorded, or declared in its debian/control; null when unknown */
  produces: readonly string[] | null;
}

/**
 * Sources build in order, and later ones may build-depend on what earlier ones make: a source
 * that would be skipped is rebuilt when an earlier source that rebuilds makes a package it
 * build-depends on (or makes packages not known yet).
 */
export function propagateRebuilds(plan: readonly PlannedSource[]): SkipDecision[] {
  const rebuilt = new Map<string, string>(); // package -> the source rebuilding it
  let unknownFrom: string | undefined;
  return plan.map((p) => {
    let decision = p.decision;
    if (decision.skip) {
      const dep = p.buildDepends.find((d) => rebuilt.has(d));
      if (dep) decision = { skip: false, reason: `it build-depends on ${dep}, which ${rebuilt.get(dep)} rebuilds` };
      else if (unknownFrom && p.buildDepends.length) {
        decision = { skip: false, reason: `${unknownFrom} rebuilds and its packages are not known yet` };
      }
    }
    if (!decision.skip) {
      if (p.produces === null) unknownFrom ??= p.name;
      else for (const pkg of p.produces) rebuilt.set(pkg, p.name);
    }
    return decision;
  });
}

/** What is known about one configured source before anything builds. */
export interface SourceFacts {
  name: string;
  /** the build key of its resolved revision and recipe */
  key: string;
  /** a git ref given as an abbreviated commit id: its full id is only known after the checkout */
  abbreviated: boolean;
  /** why it cannot be skipped before its checkout (a recipe's project at an abbreviated commit id), or null */
  unresolved?: string | null;
  /** its binary packages as its debian/control declares them; null when not known before a checkout */
  declares: readonly string[] | null;
}

/**
 * Which sources build and why, in the configured order: each is skipped when its key is the
 * recorded one and its recorded outputs are present and intact (`sums`: file -> sha256, null
 * when missing), unless an earlier source that rebuilds makes what it build-depends on.
 */
export function planSources(manifest: Manifest, facts: readonly SourceFacts[], sums: ReadonlyMap<string, string | null>): SkipDecision[] {
  const own = facts.map((f): PlannedSource => {
    const entry = manifest.sources.find((e) => e.name === f.name);
    const decision = f.abbreviated ? { skip: false, reason: 'its ref is an abbreviated commit id' } : f.unresolved ? { skip: false, reason: f.unresolved } : decideSkip(entry, f.key, (file) => sums.get(file) ?? null);
    const produces = entry?.files.length ? entry.files.map((x) => x.package) : f.declares;
    return { name: f.name, decision, buildDepends: entry?.buildDepends ?? [], produces };
  });
  return propagateRebuilds(own);
}

/** The files a build produced, described from their names (as the family's build tool names them). */
export function describeOutputs(files: { file: string; sha256: string }[], family: Pick<PackageFamily, 'parseFileName' | 'ext'>): BuiltFile[] {
  return files
    .map(({ file, sha256 }) => {
      const n = family.parseFileName(file);
      return { file, sha256, package: n?.package ?? file.slice(0, -family.ext.length).replace(/_.*$/, ''), version: n?.version ?? '', architecture: n?.architecture ?? '' };
    })
    .sort((a, b) => a.file.localeCompare(b.file));
}

/** Expected package names that no source produced, in the order they are expected. */
export function missingExpected(expect: readonly string[], built: Iterable<string>): string[] {
  const have = new Set(built);
  return expect.filter((name) => !have.has(name));
}

/** Two sources writing the same file into the flat packages folder: the second would overwrite the first. */
export function fileClash(sources: readonly Pick<ManifestSource, 'name' | 'files'>[]): { file: string; first: string; second: string } | null {
  const owner = new Map<string, string>();
  for (const s of sources) {
    for (const f of s.files) {
      const o = owner.get(f.file);
      if (o !== undefined && o !== s.name) return { file: f.file, first: o, second: s.name };
      owner.set(f.file, s.name);
    }
  }
  return null;
}

/**
 * The manifest after `entry` was (re)built: entries in the configured order, sources no longer
 * configured dropped. Returns it and the files no longer referenced (to remove).
 */
export function updateManifest(manifest: Manifest, entry: ManifestSource | null, order: readonly string[]): { manifest: Manifest; stale: string[] } {
  const byName = new Map(manifest.sources.map((s) => [s.name, s]));
  const before = new Set(manifest.sources.flatMap((s) => s.files.map((f) => f.file)));
  if (entry) byName.set(entry.name, entry);
  const sources = order.map((n) => byName.get(n)).filter((s): s is ManifestSource => s !== undefined);
  const after = new Set(sources.flatMap((s) => s.files.map((f) => f.file)));
  return { manifest: { ...manifest, sources }, stale: [...before].filter((f) => !after.has(f)) };
}
