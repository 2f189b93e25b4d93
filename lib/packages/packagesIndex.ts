/**
 * A Debian `Packages` index (what dpkg-scanpackages writes and apt reads): parsing, and the
 * hashes image builds use to notice that a package they install changed. Pure.
 */
import { hashJson, sha256 } from '../hash';

export type Stanza = Record<string, string>;

/** deb822 paragraphs: `Field: value` lines, continuation lines start with a space or tab. */
export function parseStanzas(text: string): Stanza[] {
  const stanzas: Stanza[] = [];
  let current: Stanza = {};
  let last: string | undefined;
  const flush = () => {
    if (Object.keys(current).length) stanzas.push(current);
    current = {};
    last = undefined;
  };
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') {
      flush();
    } else if (/^[ \t]/.test(line)) {
      if (last) current[last] += `\n${line.slice(1)}`;
    } else {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      last = line.slice(0, colon).trim();
      current[last] = line.slice(colon + 1).trim();
    }
  }
  flush();
  return stanzas;
}

export interface IndexEntry {
  package: string;
  version: string;
  architecture: string;
  filename: string;
  sha256: string;
}

export function parsePackagesIndex(text: string): IndexEntry[] {
  return parseStanzas(text)
    .filter((s) => s.Package)
    .map((s) => ({
      package: s.Package,
      version: s.Version ?? '',
      architecture: s.Architecture ?? '',
      filename: s.Filename ?? '',
      sha256: s.SHA256 ?? s.MD5sum ?? '',
    }));
}

export interface IndexSummary {
  /** sha256 of the index text */
  indexHash: string;
  /** package name -> hash of its entries (every version and architecture the index holds) */
  packages: Record<string, string>;
}

export const summarizeIndex = (text: string): IndexSummary => summarizeEntries(parsePackagesIndex(text), text);

/** The summary of an index of either family (Packages, primary.xml): its text's hash, and one hash per package name. */
export function summarizeEntries(parsed: readonly IndexEntry[], text: string): IndexSummary {
  const byName = new Map<string, IndexEntry[]>();
  for (const e of parsed) byName.set(e.package, [...(byName.get(e.package) ?? []), e]);
  const packages: Record<string, string> = {};
  for (const name of [...byName.keys()].sort()) {
    const entries = byName.get(name)!.map(({ version, architecture, sha256: sum }) => ({ version, architecture, sha256: sum }));
    entries.sort((a, b) => `${a.version} ${a.architecture}`.localeCompare(`${b.version} ${b.architecture}`));
    packages[name] = hashJson(entries);
  }
  return { indexHash: sha256(text), packages };
}
