/**
 * A yum repository's metadata, as createrepo_c writes it and dnf/yum read it: repomd.xml names
 * the primary metadata file (primary.xml[.gz]), which lists every package with its name, arch,
 * version and checksum. The rpm family's counterpart of packagesIndex.ts: the same per-package
 * hashes, so an image's input hash covers only the packages it installs. Pure.
 *
 * createrepo_c's XML is regular (one element per line, attributes in double quotes); this reads
 * it with patterns rather than a general XML parser, and decodes the five XML entities.
 */
import { summarizeEntries, type IndexEntry, type IndexSummary } from './packagesIndex';

const decode = (s: string) =>
  s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

const attr = (tag: string, name: string) => {
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return m ? decode(m[1]) : undefined;
};

/** The location (relative to the repository's URL) of the primary metadata, or null. */
export function primaryLocation(repomd: string): string | null {
  for (const m of repomd.matchAll(/<data\s+type="primary"\s*>([\s\S]*?)<\/data>/g)) {
    const loc = /<location\b[^>]*>/.exec(m[1]);
    const href = loc && attr(loc[0], 'href');
    if (href) return href;
  }
  return null;
}

/** Every package of a primary.xml, in file order. */
export function parsePrimary(xml: string): IndexEntry[] {
  const out: IndexEntry[] = [];
  for (const m of xml.matchAll(/<package\b[^>]*\btype="rpm"[^>]*>([\s\S]*?)<\/package>/g)) {
    const body = m[1];
    const text = (el: string) => {
      const t = new RegExp(`<${el}(?:\\s[^>]*)?>([^<]*)</${el}>`).exec(body);
      return t ? decode(t[1].trim()) : '';
    };
    const version = /<version\b[^>]*>/.exec(body)?.[0] ?? '';
    const epoch = attr(version, 'epoch');
    const evr = `${epoch && epoch !== '0' ? `${epoch}:` : ''}${attr(version, 'ver') ?? ''}-${attr(version, 'rel') ?? ''}`;
    const location = /<location\b[^>]*>/.exec(body)?.[0] ?? '';
    out.push({ package: text('name'), version: evr, architecture: text('arch'), filename: attr(location, 'href') ?? '', sha256: text('checksum') });
  }
  return out.filter((e) => e.package);
}

/** Per-package hashes and the metadata's hash, as summarizeIndex gives them for a Packages index. */
export const summarizePrimary = (xml: string): IndexSummary => summarizeEntries(parsePrimary(xml), xml);
