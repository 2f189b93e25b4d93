/**
 * What packageBuild reads from a spec file without rpm: the binary packages it makes and what it
 * build-requires, for the rebuild order (a source is rebuilt when an earlier one rebuilds a
 * package it build-requires). Macros are not expanded: a name that uses one makes the list
 * unknown (null), which rebuilds what follows, as an unreadable debian/control does. Pure.
 */

const lines = (text: string) => text.split(/\r?\n/).map((l) => l.replace(/\s+#.*$/, ''));

/** The value of the first preamble tag `tag:` (case-insensitive), before any section. */
function preamble(text: string, tag: string): string | undefined {
  for (const l of lines(text)) {
    if (/^%(package|description|prep|build|install|files|changelog)\b/.test(l)) break;
    const m = new RegExp(`^${tag}\\s*:\\s*(.+)$`, 'i').exec(l);
    if (m) return m[1].trim();
  }
  return undefined;
}

/** Binary packages: the main one when it has %files, and every %package (`-n NAME` or NAME-SUFFIX). */
export function specPackages(text: string): string[] | null {
  const name = preamble(text, 'Name');
  if (!name || name.includes('%')) return null;
  const out: string[] = [];
  for (const l of lines(text)) {
    const pkg = /^%package\s+(?:-n\s+(\S+)|(\S+))\s*$/.exec(l);
    if (pkg) {
      const n = pkg[1] ?? `${name}-${pkg[2]}`;
      if (n.includes('%')) return null;
      out.push(n);
    }
    if (/^%files\s*(?:-f\s+\S+\s*)?$/.test(l) && !out.includes(name)) out.unshift(name);
  }
  return out;
}

/** Names in BuildRequires lines (versions and operators dropped; rich dependencies skipped). */
export function specBuildRequires(text: string): string[] {
  const out: string[] = [];
  for (const l of lines(text)) {
    const m = /^BuildRequires\s*:\s*(.+)$/i.exec(l);
    if (!m || m[1].trim().startsWith('(')) continue;
    const words = m[1].split(/[\s,]+/).filter(Boolean);
    for (let i = 0; i < words.length; i++) {
      if (/^[<>=]/.test(words[i])) {
        i++;
        continue;
      }
      if (!out.includes(words[i])) out.push(words[i]);
    }
  }
  return out;
}
