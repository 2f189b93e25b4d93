/**
 * The manifest beside the artifact: what it was made from (repo, ref, resolved commit, every
 * role and collection with its source and version or commit) and its sha256. It is also how a
 * later run decides, from reality, whether the artifact is still current. Pure.
 */
import { looksLikeCommit } from '../git/safety';
import { redactJson, redactUrl } from '../redact';
import type { ClosureResult } from './closure';
import { describeOrigin } from './requirements';

export const MANIFEST_FORMAT = 1;

export interface ManifestRole {
  name: string;
  /** git URL, galaxy name or archive URL; '' when unknown */
  src: string;
  scm: string | null;
  /** as asked for ('' = default branch / latest) */
  version: string;
  /** the commit a git source resolved to when the artifact was made */
  commit: string | null;
  /** "file line N" that asked for it */
  from: string;
  /** installed by ansible-galaxy as a meta/main.yml dependency */
  dependency: boolean;
}

export interface ManifestCollection {
  /** namespace.name */
  name: string;
  /** the installed version */
  version: string;
  src: string;
  type: string;
  /** the version asked for ('' = default) */
  requested: string;
  commit: string | null;
  from: string;
  dependency: boolean;
}

export interface AnsibleManifest {
  format: number;
  /** the artifact's file name (it lies beside the manifest) */
  artifact: string;
  sha256: string;
  /** 'git': made from repo at ref; 'artifact': a ready artifact was given */
  source: 'git' | 'artifact';
  /** the artifact given (path or URL), for source 'artifact' */
  given: string | null;
  repo: string | null;
  ref: string | null;
  /** full commit id; '' for a given artifact that came without one */
  commit: string;
  /** committer time of the commit (seconds), also every entry's mtime in the tar */
  commitTime: number | null;
  /** archive paths of the roles and collections folders */
  rolesPath: string | null;
  collectionsPath: string | null;
  roles: ManifestRole[];
  collections: ManifestCollection[];
  warnings: string[];
}

/** The commit each git source resolved to, keyed by sourceKey. */
export type SourceCommits = Map<string, string | null>;

export const sourceKey = (src: string, version: string) => `${src}#${version}`;

export interface GitBuild {
  artifact: string;
  sha256: string;
  repo: string;
  ref: string;
  commit: string;
  commitTime: number;
  rolesPath: string;
  collectionsPath: string;
  closure: ClosureResult;
  commits: SourceCommits;
}

export function gitManifest(b: GitBuild): AnsibleManifest {
  const commitOf = (src: string, version: string, git: boolean) => (git ? b.commits.get(sourceKey(src, version)) ?? null : null);
  return {
    format: MANIFEST_FORMAT,
    artifact: b.artifact,
    sha256: b.sha256,
    source: 'git',
    given: null,
    repo: b.repo,
    ref: b.ref,
    commit: b.commit,
    commitTime: b.commitTime,
    rolesPath: b.rolesPath,
    collectionsPath: b.collectionsPath,
    roles: b.closure.roles
      .map((r) => ({
        name: r.name,
        src: r.src,
        scm: r.scm,
        version: r.version,
        commit: commitOf(r.src, r.version, r.scm === 'git'),
        from: r.from.line ? describeOrigin(r.from) : r.from.file,
        dependency: r.dependency,
      }))
      .sort((a, z) => a.name.localeCompare(z.name)),
    collections: b.closure.collections
      .map((c) => ({
        name: c.name,
        version: c.installedVersion,
        src: c.requirement.src,
        type: c.requirement.type,
        requested: c.requirement.version,
        commit: c.dependency ? null : commitOf(c.requirement.src, c.requirement.version, c.requirement.type === 'git'),
        from: describeOrigin(c.requirement.from),
        dependency: c.dependency,
      }))
      .sort((a, z) => a.name.localeCompare(z.name)),
    warnings: b.closure.warnings,
  };
}

export function artifactManifest(artifact: string, sha256: string, given: string, from?: AnsibleManifest): AnsibleManifest {
  return {
    format: MANIFEST_FORMAT,
    artifact,
    sha256,
    source: 'artifact',
    given,
    repo: from?.repo ?? null,
    ref: from?.ref ?? null,
    commit: from?.commit ?? '',
    commitTime: from?.commitTime ?? null,
    rolesPath: from?.rolesPath ?? null,
    collectionsPath: from?.collectionsPath ?? null,
    roles: from?.roles ?? [],
    collections: from?.collections ?? [],
    warnings: from?.warnings ?? [],
  };
}

/** Written with its URLs redacted: a repo or artifact URL may carry a token (lib/redact.ts). */
export const manifestText = (m: AnsibleManifest): string => `${JSON.stringify(redactJson(m), null, 2)}\n`;

/** A manifest read back from disk, or undefined when it is not one of ours. */
export function parseManifest(text: string): AnsibleManifest | undefined {
  try {
    const m = JSON.parse(text);
    if (m && m.format === MANIFEST_FORMAT && typeof m.sha256 === 'string' && Array.isArray(m.roles) && Array.isArray(m.collections)) return m;
  } catch {
    /* not ours */
  }
  return undefined;
}

/** Git sources whose version can move (a branch, or the default branch): they are checked again before reuse. */
export function movableSources(m: AnsibleManifest): { src: string; version: string; commit: string | null }[] {
  const out = new Map<string, { src: string; version: string; commit: string | null }>();
  const consider = (src: string, version: string, git: boolean, commit: string | null) => {
    if (!git || !src || looksLikeCommit(version)) return;
    out.set(sourceKey(src, version), { src, version, commit });
  };
  for (const r of m.roles) consider(r.src, r.version, r.scm === 'git', r.commit);
  for (const c of m.collections) if (!c.dependency) consider(c.src, c.requested, c.type === 'git', c.commit);
  return [...out.values()];
}

export interface Current {
  repo: string;
  ref: string;
  /** what the ref resolves to now; null for an abbreviated id the server does not list */
  commit: string | null;
  /** sha256 of the artifact on disk; null when there is none */
  artifactSha256: string | null;
}

/** Why the artifact must be made again, or null when the manifest and artifact are current. */
export function staleReason(m: AnsibleManifest | undefined, now: Current): string | null {
  if (now.artifactSha256 === null) return 'no artifact yet';
  if (!m) return 'no manifest beside the artifact';
  if (m.source !== 'git') return 'the artifact was given, not made from git';
  if (m.sha256 !== now.artifactSha256) return 'the artifact does not match its manifest';
  if (m.repo !== redactUrl(now.repo)) return `the repository changed (was ${m.repo})`;
  const sameCommit = now.commit !== null ? m.commit === now.commit : m.ref === now.ref && m.commit.startsWith(now.ref);
  if (!sameCommit) return `${now.ref} moved from ${m.commit.slice(0, 12)} to ${(now.commit ?? now.ref).slice(0, 12)}`;
  return null;
}
