/**
 * The ansible-galaxy side of contrailAnsible, as data: the helper image's Dockerfile and input
 * hash, where things go inside its container, the commands run there, and the clean-up of what
 * ansible-galaxy writes that would make two artifacts differ. Pure.
 */
import * as path from 'node:path';
import { hashJson } from '../hash';

/** ansible-core where the distribution has it (Debian 12, Ubuntu 22.04+), else its older `ansible`. */
export function galaxyDockerfile(baseRef: string, family: 'deb' | 'rpm' = 'deb'): string {
  if (family === 'rpm') return rpmGalaxyDockerfile(baseRef);
  const install = 'DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends';
  return [
    `FROM ${baseRef}`,
    `RUN apt-get update \\`,
    ` && ${install} git ca-certificates python3 \\`,
    ` && (${install} ansible-core || ${install} ansible) \\`,
    ' && rm -rf /var/lib/apt/lists/* \\',
    // repositories copied in from the host keep their owner; git must not refuse them
    ` && git config --system --add safe.directory '*' \\`,
    ' && ansible-galaxy --version',
    'ENV ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 GIT_TERMINAL_PROMPT=0',
    '',
  ].join('\n');
}

/**
 * The rpm family: the image's own tool, by what it has (apt-get, as on the rpm demo's
 * Debian-made base, else dnf, else yum). ansible-core is in RHEL/Rocky 8+ AppStream; CentOS 7
 * has ansible in EPEL only (enable it in the base image, or give ansible.artifact).
 */
function rpmGalaxyDockerfile(baseRef: string): string {
  return [
    `FROM ${baseRef}`,
    'RUN set -e; \\',
    '    if command -v apt-get >/dev/null 2>&1; then \\',
    '      apt-get update; \\',
    '      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends git ca-certificates python3 ansible-core; \\',
    '      rm -rf /var/lib/apt/lists/*; \\',
    '    elif command -v dnf >/dev/null 2>&1; then \\',
    '      dnf install -y git python3 ansible-core || dnf install -y git python3 ansible; dnf clean all; \\',
    '    else \\',
    '      yum install -y git ansible; yum clean all; \\',
    '    fi; \\',
    `    git config --system --add safe.directory '*'; \\`,
    '    ansible-galaxy --version',
    'ENV ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 GIT_TERMINAL_PROMPT=0',
    '',
  ].join('\n');
}

export const galaxyInputHash = (baseImageId: string, dockerfile: string): string => hashJson({ baseImageId, dockerfile });

/** Inside the galaxy container. */
export const CONTAINER = {
  /** the checkout, copied in */
  checkout: '/build/contrail-ansible',
  /** one small requirements file per ansible-galaxy run */
  requests: '/build/requests',
} as const;

export interface Layout {
  /** repository-relative: where roles go (and where the playbooks look for them) */
  rolesPath: string;
  /** repository-relative: the playbook-adjacent collections folder */
  collectionsPath: string;
}

/** playbooks/roles when the repository has that folder (its playbooks look there), else roles. */
export function layoutFor(hasPlaybookRoles: boolean): Layout {
  return hasPlaybookRoles
    ? { rolesPath: 'playbooks/roles', collectionsPath: 'playbooks/collections' }
    : { rolesPath: 'roles', collectionsPath: 'collections' };
}

const REQUIREMENTS = /(^|\/)requirements\.ya?ml$/;

/** The repository's own requirement files: at its top, and anywhere under playbooks/; sorted. */
export function topRequirementFiles(repoFiles: string[]): string[] {
  return repoFiles
    .filter((f) => REQUIREMENTS.test(f) && (!f.includes('/') || f.startsWith('playbooks/')))
    .filter((f) => !f.split('/').includes('.git'))
    .sort();
}

export function roleInstallCommand(requestFile: string, rolesPath: string): string[] {
  return ['ansible-galaxy', 'role', 'install', '-r', requestFile, '-p', path.posix.join(CONTAINER.checkout, rolesPath)];
}

export function collectionInstallCommand(requestFile: string, collectionsPath: string): string[] {
  return ['ansible-galaxy', 'collection', 'install', '-r', requestFile, '-p', path.posix.join(CONTAINER.checkout, collectionsPath)];
}

/** file:///abs/path or /abs/path: a repository on this machine, which the container cannot see. */
export function localRepoPath(src: string): string | null {
  if (src.startsWith('file://')) {
    const p = decodeURIComponent(src.slice('file://'.length).replace(/#.*$/, ''));
    return p.startsWith('/') ? p.replace(/\/+$/, '') || '/' : null;
  }
  if (src.startsWith('/')) return src.replace(/\/+$/, '') || '/';
  return null;
}

/** Python's time.strftime('%c') in the C locale, in UTC: "Wed Nov 25 09:31:09 2026". */
export function cTime(seconds: number): string {
  const d = new Date(seconds * 1000);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const two = (n: number) => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

/**
 * ansible-galaxy stamps each role's meta/.galaxy_install_info with the time of installation,
 * which would make every artifact differ: it gets the commit's time instead.
 */
export function normalizeInstallInfo(text: string, commitTime: number): string {
  return text.replace(/^install_date:.*$/m, `install_date: '${cTime(commitTime)}'`);
}

/** The last lines of ansible-galaxy's output that say something. */
export function galaxyOutputTail(output: string, n = 15): string[] {
  return output.split('\n').map((l) => l.trimEnd()).filter((l) => l.trim()).slice(-n);
}
