/**
 * What changed between two family versions, image by image, from their SBOMs: packages added,
 * removed and changed in version. Pure: the SBOMs are read by lib/sbom/diffSources.ts.
 */
import { PackageURL } from 'packageurl-js';

export interface SbomPackage {
  name: string;
  version: string;
  arch: string;
}

export interface ImageDiff {
  /** the image's name without tag, e.g. contrail-controller-debian12 */
  image: string;
  /** 'both', or the one side that has the image */
  in: 'both' | 'from' | 'to';
  added: SbomPackage[];
  removed: SbomPackage[];
  changed: { name: string; arch: string; from: string; to: string }[];
}

/** The installed packages an SBOM lists (components with a deb or rpm purl). */
export function sbomPackages(sbomText: string): SbomPackage[] {
  const doc = JSON.parse(sbomText) as { components?: { purl?: string }[] };
  const out: SbomPackage[] = [];
  for (const c of doc.components ?? []) {
    if (!c.purl || !/^pkg:(deb|rpm)\//.test(c.purl)) continue;
    const p = PackageURL.fromString(c.purl);
    out.push({ name: p.name, version: p.version ?? '', arch: String(p.qualifiers?.arch ?? '') });
  }
  return out;
}

const key = (p: SbomPackage) => `${p.name}:${p.arch}`;

export function diffPackages(image: string, from: SbomPackage[], to: SbomPackage[]): ImageDiff {
  const a = new Map(from.map((p) => [key(p), p]));
  const b = new Map(to.map((p) => [key(p), p]));
  const d: ImageDiff = { image, in: 'both', added: [], removed: [], changed: [] };
  for (const [k, p] of b) {
    const before = a.get(k);
    if (!before) d.added.push(p);
    else if (before.version !== p.version) d.changed.push({ name: p.name, arch: p.arch, from: before.version, to: p.version });
  }
  for (const [k, p] of a) if (!b.has(k)) d.removed.push(p);
  return d;
}

/** Every image of either side, sorted: image name -> SBOM packages. */
export function diffFamilies(from: ReadonlyMap<string, SbomPackage[]>, to: ReadonlyMap<string, SbomPackage[]>): ImageDiff[] {
  const names = [...new Set([...from.keys(), ...to.keys()])].sort();
  return names.map((n) => {
    const d = diffPackages(n, from.get(n) ?? [], to.get(n) ?? []);
    return { ...d, in: from.has(n) && to.has(n) ? 'both' : from.has(n) ? 'from' : 'to' };
  });
}

export const unchanged = (d: ImageDiff) => d.in === 'both' && !d.added.length && !d.removed.length && !d.changed.length;

/** The report for people: one line per image, then its packages. */
export function diffLines(diffs: readonly ImageDiff[], fromLabel: string, toLabel: string): string[] {
  const lines = [`SBOM diff ${fromLabel} -> ${toLabel}`];
  for (const d of diffs) {
    if (d.in !== 'both') {
      lines.push(`${d.image}: only in ${d.in === 'from' ? fromLabel : toLabel}`);
      continue;
    }
    if (unchanged(d)) {
      lines.push(`${d.image}: unchanged`);
      continue;
    }
    lines.push(`${d.image}: ${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed`);
    for (const p of d.added) lines.push(`  + ${p.name} ${p.version} (${p.arch})`);
    for (const p of d.removed) lines.push(`  - ${p.name} ${p.version} (${p.arch})`);
    for (const c of d.changed) lines.push(`  ~ ${c.name} ${c.from} -> ${c.to} (${c.arch})`);
  }
  return lines;
}
