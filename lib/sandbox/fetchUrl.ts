/**
 * A remote's fetch URL in a repo manifest: absolute, or relative to the manifest repository's
 * own URL (contrail-vnc's `..`). The manifest repository's URL is taken as a folder, so `..` is
 * its parent: `https://github.com/Juniper/contrail-vnc` + `..` -> `https://github.com/Juniper`,
 * the projects' sibling repositories (what repo gave for the scp-style
 * `git@github.com:Juniper/contrail-vnc` that the R4.0 instructions used). Pure.
 */
import * as path from 'node:path';

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
const SCP_LIKE = /^([A-Za-z0-9._-]+@[A-Za-z0-9.-]+:)(.*)$/;

export const isAbsoluteFetch = (fetch: string): boolean => SCHEME.test(fetch) || SCP_LIKE.test(fetch) || fetch.startsWith('/');

export function resolveFetch(manifestUrl: string, fetch: string): string {
  if (isAbsoluteFetch(fetch)) return fetch.replace(/\/+$/, '');
  const base = manifestUrl.replace(/\/+$/, '').replace(/\.git$/, '');
  const join = (p: string) => path.posix.normalize(path.posix.join(p, fetch)).replace(/\/+$/, '') || '/';
  if (SCHEME.test(base)) {
    const u = new URL(`${base}/`);
    u.pathname = join(u.pathname);
    return u.href.replace(/\/+$/, '');
  }
  const scp = SCP_LIKE.exec(base);
  if (scp) return `${scp[1]}${join(scp[2]).replace(/^\.$/, '')}`;
  return join(base);
}
