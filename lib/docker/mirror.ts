/** Which distribution mirror debootstrap uses: the host's own, read from its apt sources. Pure. */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface AptSource {
  uri: string;
  suites: string[];
}

/** Parses one-line (`deb URI suite ...`) and deb822 (`URIs:`/`Suites:`) apt sources. */
export function parseAptSources(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
    if (m) out.push({ uri: m[1], suites: [m[2]] });
  }
  for (const stanza of text.split(/\n\s*\n/)) {
    const field = (name: string) => new RegExp(`^${name}:\\s*(.+)$`, 'mi').exec(stanza)?.[1].trim();
    const types = field('Types');
    const uris = field('URIs');
    if (!types || !uris || !types.split(/\s+/).includes('deb')) continue;
    const suites = (field('Suites') ?? '').split(/\s+/).filter(Boolean);
    for (const uri of uris.split(/\s+/)) out.push({ uri, suites });
  }
  return out;
}

/**
 * The mirror for the distribution's main archive: the first source that is not a security or
 * updates archive. Undefined when the host has none; debootstrap then uses its own default.
 */
export function pickMirror(sources: AptSource[]): string | undefined {
  const main = sources.find(
    (s) => /^(https?|file):/.test(s.uri) && !/security/.test(s.uri) && s.suites.some((x) => !/-(updates|security|backports)$/.test(x)),
  );
  return main?.uri.replace(/\/+$/, '');
}

export function hostMirror(root = '/etc/apt'): string | undefined {
  const texts: string[] = [];
  const read = (f: string) => {
    try {
      texts.push(fs.readFileSync(f, 'utf8'));
    } catch {
      /* absent */
    }
  };
  read(path.join(root, 'sources.list'));
  try {
    for (const f of fs.readdirSync(path.join(root, 'sources.list.d')).sort()) {
      if (f.endsWith('.list') || f.endsWith('.sources')) read(path.join(root, 'sources.list.d', f));
    }
  } catch {
    /* absent */
  }
  return pickMirror(texts.flatMap(parseAptSources));
}
