/**
 * What an image is made from, and the hash of it. The breakdown is kept (as an image label) so a
 * later run can say which input changed, not only that something did.
 */
import { hashJson, sha256 } from '../hash';

/** Inputs, each reduced to a short hash or an id. */
export interface ImageInputs {
  /** the Dockerfile's text */
  dockerfile: string;
  /** every other file of the build context: path, executable bit, content */
  context: string;
  /** build argument -> hash of its value (values may be secret, hashes are not) */
  args: Record<string, string>;
  /** parent image reference -> its image id */
  parents: Record<string, string>;
  /** package -> hash of its index stanza; '*index*' -> the whole index when a package has none */
  packages: Record<string, string>;
  /** sha256 of the contrail-ansible artifact (contrail-base only) */
  ansible?: string;
}

export const short = (h: string) => h.replace(/^sha256:/, '').slice(0, 16);

export interface ContextFile {
  /** relative, with '/' */
  path: string;
  executable: boolean;
  /** sha256 of the content (of the target, for a symbolic link: 'link:<target>') */
  sha256: string;
}

export function contextHash(files: ContextFile[]): string {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return short(hashJson(sorted.map((f) => [f.path, f.executable ? 1 : 0, f.sha256])));
}

/**
 * The build arguments that shape the image. Where the repository is served from (its URL, host
 * and the rest of its source line) does not: what is installed from it is covered by the package hashes.
 */
export const LOCATION_ARGS = new Set(['CONTRAIL_REPO_URL', 'CONTRAIL_REPO_HOST', 'CONTRAIL_REPO_DIST', 'CONTRAIL_REPO_KEY']);

export function argHashes(buildArgs: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(buildArgs)) if (!LOCATION_ARGS.has(k)) out[k] = short(sha256(v));
  return out;
}

export const WHOLE_INDEX = '*index*';

/**
 * The repository's hashes of the packages an image installs. A package the repository has no
 * hash for (not in it, or the repository gives none) brings in the whole index's hash, so a
 * change anywhere in it still counts.
 */
export function packageHashes(installs: string[], repo: { indexHash: string; packages: Record<string, string> }): Record<string, string> {
  const out: Record<string, string> = {};
  let unknown = false;
  for (const p of installs) {
    const h = repo.packages[p];
    if (h) out[p] = short(h);
    else unknown = true;
  }
  if (unknown) out[WHOLE_INDEX] = short(repo.indexHash);
  return out;
}

export const inputHash = (inputs: ImageInputs): string => hashJson(inputs);

/** Reads back the breakdown stored on an image; null when absent or unreadable. */
export function parseInputsLabel(value: string | undefined): ImageInputs | null {
  if (!value) return null;
  try {
    const v = JSON.parse(value);
    if (v && typeof v === 'object' && typeof v.dockerfile === 'string') return v as ImageInputs;
  } catch {
    /* a label we did not write */
  }
  return null;
}
