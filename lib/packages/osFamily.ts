/**
 * The OS family of a build: `deb` (apt, dpkg) or `rpm` (dnf or yum, rpm). It decides every
 * package tool the pipeline picks: how the repo is indexed and served, how contrail-install
 * installs, how packageBuild builds, how package inputs are checked. From the config
 * (`osFamily`), else from the base image's /etc/os-release (ID, then ID_LIKE). Pure.
 */

export type OsFamily = 'deb' | 'rpm';
export const OS_FAMILIES: readonly OsFamily[] = ['deb', 'rpm'];

/** os-release IDs of each family (ID or any word of ID_LIKE). */
const IDS: Record<OsFamily, readonly string[]> = {
  deb: ['debian', 'ubuntu'],
  rpm: ['rhel', 'centos', 'fedora', 'rocky', 'almalinux', 'ol', 'amzn', 'suse', 'opensuse', 'sles', 'mageia'],
};

/** `KEY=value` lines, values unquoted (os-release(5): shell-style quoting). */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Z0-9_]+)=(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2].trim();
    if (/^".*"$/.test(v) || /^'.*'$/.test(v)) v = v.slice(1, -1).replace(/\\(["$`\\])/g, '$1');
    out[m[1]] = v;
  }
  return out;
}

/** The family os-release names (ID first, then ID_LIKE in order), or null when none is known. */
export function familyFromOsRelease(text: string): OsFamily | null {
  const fields = parseOsRelease(text);
  const words = [fields.ID ?? '', ...(fields.ID_LIKE ?? '').split(/\s+/)].map((w) => w.toLowerCase()).filter(Boolean);
  for (const w of words) {
    for (const f of OS_FAMILIES) if (IDS[f].includes(w)) return f;
  }
  return null;
}

/** What the package-tool choice says in the user's words, for log lines. */
export const familyTools = (f: OsFamily) => (f === 'rpm' ? 'rpm (dnf or yum, createrepo_c, rpmbuild)' : 'deb (apt, dpkg-scanpackages, dpkg-buildpackage)');
