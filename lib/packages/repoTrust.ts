/**
 * How apt inside image builds trusts the contrail repo. The repo gets a pin above 1000, so it can
 * replace, and downgrade, every distribution package: unsigned is acceptable only where nobody
 * else can answer for it (the repo container, a loopback address). A remote packages.url needs
 * its signing key (packages.key, used as apt's signed-by), or an explicit "trusted": true that the
 * console warns about. Pure, except `readRepoKey`, which reads the key file.
 */
import * as fs from 'node:fs';
import { isLoopback } from '../config/checks';
import { inputError } from '../errors';
import { quote } from '../text';

export interface RepoTrust {
  /** the key file's content, base64 (the build argument CONTRAIL_REPO_KEY); '' for an unsigned repo */
  key: string;
  /** a line for the console when an unsigned remote repository is used */
  warning: string | null;
}

const ARMORED = '-----BEGIN PGP PUBLIC KEY BLOCK-----';

/** The key file's content when it looks like an OpenPGP public key (armored, or a binary key packet). */
export function readRepoKey(file: string, what: string): Buffer {
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw inputError(`${what} ${quote(file)} ${code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a folder' : `cannot be read (${code})`}`,
      "give the file with the repository's public key (e.g. the Release.key its maintainers publish)");
  }
  const binaryKey = data.length > 2 && (data[0] === 0x99 || data[0] === 0x98 || data[0] === 0xc6);
  if (!binaryKey && !data.subarray(0, 200).toString('latin1').includes(ARMORED)) {
    throw inputError(`${what} ${quote(file)} is not an OpenPGP public key (neither "${ARMORED}" nor a binary key)`,
      "give the repository's public key as exported by gpg --export (binary) or gpg --export --armor");
  }
  if (data.length > 1 << 20) throw inputError(`${what} ${quote(file)} is larger than 1 MiB; a public key is a few kilobytes`);
  return data;
}

/** Checked when the config is resolved: a remote unsigned repository must be meant. */
export function checkRepoTrust(url: string | null, key: string | null, trusted: boolean, where: (parts: string[]) => string): void {
  if (url === null) return;
  if (key !== null) {
    readRepoKey(key, where(['packages', 'key']));
    return;
  }
  const host = new URL(url.trim().split(/\s+/)[0]).hostname;
  if (isLoopback(host) || trusted) return;
  throw inputError(`${where(['packages', 'url'])} is on ${quote(host)}, not a loopback address, and nothing says how to trust it: unsigned, whoever answers for it could replace any package of the images`,
    'give the file with its public signing key as packages.key, or set "packages": {"trusted": true} to use it unsigned anyway');
}

/** What the image builds get for packages.url; the repo container's own repo is always unsigned. */
export function repoTrust(url: string, keyFile: string | null, what: string): RepoTrust {
  if (keyFile !== null) return { key: readRepoKey(keyFile, 'packages.key').toString('base64'), warning: null };
  const host = new URL(url).hostname;
  if (isLoopback(host)) return { key: '', warning: null };
  return {
    key: '',
    warning: `${what} is used unsigned ("trusted": true) although it is not on a loopback address: whoever answers for ${host} can replace any package of the images`,
  };
}
