/**
 * packages.url for the rpm family: a yum repository that exists already, named by its URL alone
 * (the folder holding repodata/). No container: its repodata/repomd.xml must answer, and the
 * primary metadata it names is read for the hashes image builds use.
 */
import { inputError } from '../errors';
import { fetchBytes, type GetOptions, HttpError } from '../net/http';
import { quote } from '../text';
import { INPUT_NAMES } from './inputs';
import type { IndexSummary } from './packagesIndex';
import { summarizePrimary } from './rpmPrimary';
import { fetchPrimary, PRIMARY_MAX_BYTES } from './rpmRepoFlavor';

/** `limits`: the config's download limits (size and total time, also the cap of primary.xml decompressed); `timeoutMs`: the time without a byte. */
export async function readExistingYumRepo(url: string, timeoutMs = 15_000, limits: GetOptions = {}): Promise<IndexSummary> {
  const where = `${INPUT_NAMES.url} ${quote(url)}`;
  let unreachable: string | undefined;
  const fetch = async (u: string) => {
    try {
      return { body: await fetchBytes(u, { ...limits, idleTimeoutMs: timeoutMs }) };
    } catch (e) {
      if (e instanceof HttpError && e.status === undefined) unreachable ??= e.message;
      return { error: (e as Error).message };
    }
  };
  const r = await fetchPrimary(fetch, url.replace(/\/+$/, ''), Math.min(limits.maxBytes ?? PRIMARY_MAX_BYTES, PRIMARY_MAX_BYTES));
  if (unreachable) {
    throw inputError(`${where} does not answer: ${unreachable}`, 'start that repository, fix the URL, or leave packages.url unset to serve the packages from the contrail-repo container');
  }
  if (r.text === undefined) {
    throw inputError(`${where} is not a yum repository: ${r.error}`, 'give the URL of a yum repository (the folder holding repodata/repomd.xml, as createrepo_c makes it)');
  }
  return summarizePrimary(r.text);
}
