/** What packageBuild reads from a source's debian/control. Pure. */

/** Folds continuation lines and splits into stanzas of field -> value. */
export function parseControl(text: string): Record<string, string>[] {
  const stanzas: Record<string, string>[] = [];
  for (const block of text.replace(/\r/g, '').split(/\n\s*\n/)) {
    const fields: Record<string, string> = {};
    let last: string | undefined;
    for (const line of block.split('\n')) {
      if (line.startsWith('#')) continue;
      if (/^\s/.test(line) && last) fields[last] += ` ${line.trim()}`;
      else {
        const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
        if (m) fields[(last = m[1].toLowerCase())] = m[2].trim();
      }
    }
    if (Object.keys(fields).length) stanzas.push(fields);
  }
  return stanzas;
}

/** The package names a source build-depends on (alternatives, versions, arch and profile qualifiers dropped). */
export function buildDependencies(controlText: string): string[] {
  const source = parseControl(controlText)[0] ?? {};
  const names = new Set<string>();
  for (const field of ['build-depends', 'build-depends-indep', 'build-depends-arch']) {
    for (const alternative of (source[field] ?? '').split(/[,|]/)) {
      const name = /^\s*([a-z0-9][a-z0-9.+-]+)/.exec(alternative)?.[1];
      if (name) names.add(name.replace(/:any$/, ''));
    }
  }
  return [...names].sort();
}

/** The binary package names a source declares. */
export function binaryPackages(controlText: string): string[] {
  return parseControl(controlText).slice(1).map((s) => s.package).filter((p): p is string => !!p);
}
