/**
 * A recipe source resolved to commits before anything is checked out: the manifest repository's
 * commit by `git ls-remote`, the manifest itself (from the record of the last build when that
 * commit, file and rewrites are the same; else from a shallow checkout of the manifest
 * repository), then every project's commit by `git ls-remote`. An unchanged sandbox is so
 * recognised without a checkout.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ManifestLimits, RecipeSource } from '../config/types';
import { inputError } from '../errors';
import { checkoutRef, gitMessage, lsRemote } from '../git/checkout';
import { parseLsRemote, refNames, resolveRef, type ResolvedRef } from '../git/refs';
import { hashJson } from '../hash';
import { mapLimit } from '../limit';
import { didYouMean, quote } from '../text';
import { checkManifestSize, readSandboxManifest, type ManifestProject, type SandboxManifest } from './manifest';
import { recordedManifestXml } from './resolvedXml';
import { hasRedactedUrl, redactJson, redactUrl } from '../redact';

export interface SandboxProject extends ManifestProject {
  ref: ResolvedRef;
  /** the commit ls-remote gave (or the checkout found); null for an abbreviated id not listed */
  commit: string | null;
}

export interface ResolvedSandbox {
  manifestCommit: string;
  manifestRef: ResolvedRef;
  manifest: SandboxManifest;
  projects: SandboxProject[];
}

/** What packages/manifest.json records of a recipe source: enough to skip it without a checkout. */
export interface SandboxRecord {
  manifest: { url: string; ref: string; file: string; commit: string };
  remotes: Record<string, string>;
  resolved: SandboxManifest;
  projects: { name: string; path: string; url: string; revision: string; commit: string | null }[];
}

export interface ResolveSandboxOptions {
  signal?: AbortSignal;
  /** the record of the last build, to reuse its manifest when nothing about it changed */
  recorded?: SandboxRecord;
  /** where the manifest repository is checked out when it must be read */
  manifestDir: string;
  limits: ManifestLimits;
  /** told when the manifest is read (it can take a while) */
  onRead?: (message: string) => void;
}

export const sandboxWhat = (index: number, name: string) => `packages.build.sources[${index}] (${quote(name)})`;

async function resolveOne(url: string, revision: string, what: string, signal?: AbortSignal): Promise<ResolvedRef> {
  let listing: string;
  try {
    listing = await lsRemote(url, { signal });
  } catch (e) {
    throw inputError(`${what}: git cannot read ${quote(url)}: ${gitMessage(e)}`,
      'check the URL (a manifest\'s relative remote resolves against manifest.url; "remotes" in the source rewrites one), and that it is reachable from this machine');
  }
  const refs = parseLsRemote(listing);
  const ref = resolveRef(refs, revision);
  if (!ref) {
    const guess = didYouMean(revision, refNames(refs));
    throw inputError(`${what}: ${quote(url)} has no branch, tag or commit ${quote(revision)}`, guess ? `did you mean ${quote(guess)}?` : 'give an existing branch, tag or full commit id');
  }
  return ref;
}

async function readManifestRepo(source: RecipeSource, what: string, ref: ResolvedRef, dir: string, limits: ManifestLimits, signal?: AbortSignal): Promise<(file: string) => string | null> {
  fs.rmSync(dir, { recursive: true, force: true });
  try {
    await checkoutRef(source.manifest.url, ref, dir, { signal });
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw inputError(`${what} manifest: cannot check out ${quote(source.manifest.ref)} of ${quote(source.manifest.url)}: ${gitMessage(e)}`, 'give an existing branch, tag or full commit id');
  }
  const top = fs.realpathSync(dir);
  return (file) => {
    const full = path.join(dir, file);
    if (!fs.existsSync(full) || !fs.statSync(full).isFile()) return null;
    // a symlink in the manifest repository must not read a file outside it
    if (!fs.realpathSync(full).startsWith(`${top}${path.sep}`)) return null;
    // not read at all when past the limit
    checkManifestSize(`${what} manifest ${file}`, fs.statSync(full).size, limits);
    return fs.readFileSync(full, 'utf8');
  };
}

export async function resolveSandbox(source: RecipeSource, index: number, options: ResolveSandboxOptions): Promise<ResolvedSandbox> {
  const what = sandboxWhat(index, source.name);
  const { signal, recorded } = options;
  const manifestRef = await resolveOne(source.manifest.url, source.manifest.ref, `${what} manifest.url`, signal);
  if (manifestRef.commit === null) {
    throw inputError(`${what} manifest.ref ${quote(source.manifest.ref)} is an abbreviated commit id that no branch or tag of ${quote(source.manifest.url)} points at`, 'give the full commit id, a branch or a tag');
  }
  // the record holds URLs without credentials (it is a file): compared so, and its resolved
  // manifest stands in for a read only when no URL in it lost credentials
  const same = recorded && !hasRedactedUrl(recorded.resolved) && recorded.manifest.url === redactUrl(source.manifest.url) && recorded.manifest.file === source.manifest.file &&
    recorded.manifest.commit === manifestRef.commit && hashJson(recorded.remotes) === hashJson(redactJson(source.remotes));
  // the record may come back from the cache registry (lib/cache/packages.ts): read again, as XML,
  // it passes every check a manifest from the repository passes, the config's rewrites applied
  const recordedXml = same ? recordedManifestXml(recorded.resolved) : null;
  const file = recordedXml === null ? source.manifest.file : `${source.manifest.file} (as recorded at the last build)`;
  const read = recordedXml === null
    ? await readManifestRepo(source, what, manifestRef, options.manifestDir, options.limits, signal)
    : (f: string) => (f === file ? recordedXml : null);
  options.onRead?.(`${what}: reading manifest ${file}`);
  const manifest = await readSandboxManifest({
    file, read, manifestUrl: source.manifest.url, rewrites: source.remotes, what: `${what} manifest`,
    rewritesKey: `packages.build.sources[${index}].remotes`, limits: options.limits, signal,
  });
  const refs = await projectRefs(manifest.projects, signal);
  const projects: SandboxProject[] = manifest.projects.map((p) => {
    const ref = refs.get(projectKey(p))!;
    return { ...p, ref, commit: ref.commit };
  });
  return { manifestCommit: manifestRef.commit, manifestRef, manifest, projects };
}

/** ls-remote processes at once: each is mostly a wait (a git process, a round trip to the remote). */
const LS_REMOTE_AT_ONCE = 4;

const projectKey = (p: ManifestProject) => `${p.url}\n${p.revision}`;

/**
 * Every project's ref by `git ls-remote`, once per URL and revision, a few at once (one after
 * another they were most of a no-op run's wait). They start in the manifest's order and none
 * starts after one failed, so the error is the first failure in that order, as one at a time.
 */
async function projectRefs(projects: ManifestProject[], signal?: AbortSignal): Promise<Map<string, ResolvedRef>> {
  const unique = [...new Map(projects.map((p) => [projectKey(p), p])).values()];
  let failed = false;
  type Outcome = { ref: ResolvedRef } | { error: unknown } | { skipped: true };
  const outcomes = await mapLimit(unique, LS_REMOTE_AT_ONCE, async (p): Promise<Outcome> => {
    if (failed) return { skipped: true };
    try {
      return { ref: await resolveOne(p.url, p.revision, `${p.at}: project ${quote(p.name)}`, signal) };
    } catch (error) {
      failed = true;
      return { error };
    }
  });
  const refs = new Map<string, ResolvedRef>();
  for (const [i, o] of outcomes.entries()) {
    if ('error' in o) throw o.error;
    if ('ref' in o) refs.set(projectKey(unique[i]), o.ref);
  }
  return refs;
}

/** Decides the rebuild: the manifest's commit and every project's commit. */
export const sandboxRevision = (s: ResolvedSandbox): string =>
  hashJson({ manifest: s.manifestCommit, projects: s.projects.map((p) => [p.path, p.url, p.commit]) });

/** Written to packages/manifest.json: every URL without its credentials. */
export function sandboxRecord(source: RecipeSource, s: ResolvedSandbox): SandboxRecord {
  return redactJson({
    manifest: { ...source.manifest, commit: s.manifestCommit },
    remotes: source.remotes,
    resolved: s.manifest,
    projects: s.projects.map((p) => ({ name: p.name, path: p.path, url: p.url, revision: p.revision, commit: p.commit })),
  });
}
