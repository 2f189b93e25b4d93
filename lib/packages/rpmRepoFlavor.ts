/**
 * The rpm family's contrail-repo: RPMs with createrepo_c metadata, served by python3's
 * http.server (dockerfiles/contrail-repo-rpm). It serves when repodata/repomd.xml answers and the
 * primary metadata it names can be read; that primary.xml is the index the image hashes use.
 */
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type Docker from 'dockerode';
import { PROJECT_ROOT } from '../config/defaults';
import { execCapture } from '../docker/exec';
import type { RepoFlavor } from './repoIndex';
import { primaryLocation, summarizePrimary } from './rpmPrimary';

export const RPM_REPO_CONTEXT = path.join(PROJECT_ROOT, 'dockerfiles', 'contrail-repo-rpm');

/** One URL's body on stdout, from inside the container; python3 is there (it serves the repo). */
const FETCH = 'import sys, urllib.request; sys.stdout.buffer.write(urllib.request.urlopen(sys.argv[1], timeout=5).read())';

async function fetchIn(container: Docker.Container, url: string): Promise<{ body?: Buffer; error?: string }> {
  let r;
  try {
    r = await execCapture(container, ['python3', '-c', FETCH, url]);
  } catch (e) {
    return { error: (e as Error).message };
  }
  if (r.code !== 0) return { error: r.stderr.trim().split('\n').pop() || `python3 exited with ${r.code}` };
  return { body: r.stdout };
}

/** What primary.xml may grow to when decompressed (less when download.maxMegabytes is less): a gzip bomb stops here. */
export const PRIMARY_MAX_BYTES = 1 << 30;

/** Decompresses what createrepo_c or another tool wrote: gzip (at most `maxBytes` out), or plain XML. */
export function metadataText(location: string, body: Buffer, maxBytes = PRIMARY_MAX_BYTES): string {
  if (body[0] === 0x1f && body[1] === 0x8b) {
    try {
      return zlib.gunzipSync(body, { maxOutputLength: maxBytes }).toString('utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new Error(`${location} decompresses to more than ${Math.round(maxBytes / 1048576)} MiB (download.maxMegabytes)`);
      throw new Error(`${location} is not valid gzip data (${(e as Error).message})`);
    }
  }
  if (body.subarray(0, 5).toString('latin1') === '<?xml' || body[0] === 0x3c) return body.toString('utf8');
  throw new Error(`${location} is compressed in a way this pipeline does not read (only gzip or plain XML; createrepo_c --general-compress-type gz writes gzip)`);
}

/** repodata/repomd.xml, then the primary metadata it names: the text of primary.xml. */
export async function fetchPrimary(fetch: (url: string) => Promise<{ body?: Buffer; error?: string }>, url: string, maxBytes = PRIMARY_MAX_BYTES): Promise<{ text?: string; error?: string }> {
  const repomd = await fetch(`${url}/repodata/repomd.xml`);
  if (!repomd.body) return { error: `repodata/repomd.xml: ${repomd.error}` };
  const href = primaryLocation(repomd.body.toString('utf8'));
  if (!href) return { error: 'repodata/repomd.xml names no primary metadata' };
  const primary = await fetch(`${url}/${href}`);
  if (!primary.body) return { error: `${href}: ${primary.error}` };
  try {
    return { text: metadataText(href, primary.body, maxBytes) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

export const RPM_REPO_FLAVOR: RepoFlavor = {
  context: RPM_REPO_CONTEXT,
  filesDir: 'rpms',
  readyPath: 'repodata/repomd.xml',
  fetchInside: (container, url) => fetchIn(container, url),
  readIndex: (fetch, url) => fetchPrimary(fetch, url),
  summarize: summarizePrimary,
};
