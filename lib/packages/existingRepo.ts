/**
 * packages.url: an apt repository that exists already. No container: it only has to answer with
 * a Packages index, which is read for the hashes image builds use.
 */
import * as zlib from 'node:zlib';
import { inputError } from '../errors';
import { fetchBytes, type GetOptions, HttpError } from '../net/http';
import { quote } from '../text';
import { INPUT_NAMES } from './inputs';
import { summarizeIndex, type IndexSummary } from './packagesIndex';

/** Docker reports Go's architecture names; apt uses Debian's. */
export function debianArch(goArch: string): string {
  const map: Record<string, string> = { x86_64: 'amd64', aarch64: 'arm64', arm: 'armhf', '386': 'i386', ppc64le: 'ppc64el' };
  return map[goArch] ?? goArch;
}

/**
 * The indexes to read, one group per component, each tried in order (the first that answers
 * counts): `URL/Packages.gz` of a flat repository, or `URL/dists/SUITE/COMPONENT/binary-ARCH/`.
 * Pure.
 */
export function indexLocations(url: string, distribution: string, arch: string): string[][] {
  const base = url.replace(/\/+$/, '');
  const [suite, ...components] = distribution.trim().split(/\s+/);
  if (components.length === 0) {
    const dir = suite === './' || suite === '.' ? base : `${base}/${suite.replace(/^\.\/|\/+$/g, '')}`;
    return [[`${dir}/Packages.gz`, `${dir}/Packages`]];
  }
  return components.map((c) => {
    const dir = `${base}/dists/${suite}/${c}/binary-${arch}`;
    return [`${dir}/Packages.gz`, `${dir}/Packages`];
  });
}

/** `limits`: the config's download limits (size and total time); `timeoutMs`: the time without a byte. */
export async function readExistingRepo(url: string, distribution: string, arch: string, timeoutMs = 15_000, limits: GetOptions = {}): Promise<IndexSummary> {
  const texts: string[] = [];
  const where = `${INPUT_NAMES.url} ${quote(distribution === './' ? url : `${url} ${distribution}`)}`;
  for (const group of indexLocations(url, distribution, arch)) {
    const tried: string[] = [];
    let text: string | undefined;
    for (const loc of group) {
      try {
        const body = await fetchBytes(loc, { ...limits, idleTimeoutMs: timeoutMs });
        text = loc.endsWith('.gz') ? zlib.gunzipSync(body).toString('utf8') : body.toString('utf8');
        break;
      } catch (e) {
        if (e instanceof HttpError && e.failure !== 'unreachable') {
          throw inputError(`${where}: ${loc} cannot be read: ${e.message}`, 'fix the repository, or raise the limit (download.maxMegabytes, download.timeoutMinutes) if it is really that large');
        }
        if (e instanceof HttpError && e.status === undefined) {
          throw inputError(`${where} does not answer: ${e.message}`, 'start that repository, fix the URL, or leave packages.url unset to serve the packages from the contrail-repo container');
        }
        tried.push(`${loc}: ${(e as Error).message}`);
      }
    }
    if (text === undefined) {
      throw inputError(`${where} has no Packages index`, 'give the URL of an apt repository (flat, with Packages.gz at its root, or "URL SUITE COMPONENT")', { details: tried });
    }
    texts.push(text);
  }
  return summarizeIndex(texts.join('\n'));
}
