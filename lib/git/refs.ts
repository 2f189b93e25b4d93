/**
 * What a ref names, decided from `git ls-remote` output before anything is fetched: a branch
 * (may move), a tag (should not), or a commit id (never moves). Pure.
 */
import { looksLikeCommit } from './safety';

export type RefKind = 'branch' | 'tag' | 'commit' | 'head';

export interface ResolvedRef {
  kind: RefKind;
  /** the commit it points at now; null for an abbreviated commit id the server does not list */
  commit: string | null;
  /** the name to hand to `git clone --branch` (branch or tag), or the commit id as given */
  name: string;
}

/** `<sha>\t<refname>` lines -> refname -> sha. */
export function parseLsRemote(text: string): Map<string, string> {
  const refs = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]{40,64})\s+(\S+)$/.exec(line.trim());
    if (m) refs.set(m[2], m[1]);
  }
  return refs;
}

/**
 * Branches win over tags of the same name (as `git clone --branch` does); an annotated tag
 * resolves to the commit it tags (its `^{}` line). A hex string that names no branch or tag is
 * a commit id. Undefined: the ref names nothing.
 */
export function resolveRef(refs: Map<string, string>, ref: string): ResolvedRef | undefined {
  const name = ref.replace(/^refs\/(heads|tags)\//, '');
  if (ref === 'HEAD') {
    const head = refs.get('HEAD');
    return head ? { kind: 'head', commit: head, name: 'HEAD' } : undefined;
  }
  if (!ref.startsWith('refs/tags/')) {
    const branch = refs.get(`refs/heads/${name}`);
    if (branch) return { kind: 'branch', commit: branch, name };
  }
  if (!ref.startsWith('refs/heads/')) {
    const tag = refs.get(`refs/tags/${name}^{}`) ?? refs.get(`refs/tags/${name}`);
    if (tag) return { kind: 'tag', commit: tag, name };
  }
  if (looksLikeCommit(ref)) {
    if (ref.length === 40 || ref.length === 64) return { kind: 'commit', commit: ref, name: ref };
    // an abbreviated id is known only when a listed ref happens to point at it
    const matches = new Set([...refs.values()].filter((sha) => sha.startsWith(ref)));
    return { kind: 'commit', commit: matches.size === 1 ? [...matches][0] : null, name: ref };
  }
  return undefined;
}

/** Branches and tags, for "did you mean" hints. */
export function refNames(refs: Map<string, string>): string[] {
  const names = new Set<string>();
  for (const r of refs.keys()) {
    const m = /^refs\/(?:heads|tags)\/(.+?)(\^\{\})?$/.exec(r);
    if (m) names.add(m[1]);
  }
  return [...names].sort();
}
