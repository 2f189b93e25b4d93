/**
 * Git on the host, through simple-git: list a remote's refs, and check one ref out as shallowly
 * as the server allows. Callers check URLs and refs with lib/git/safety.ts first; these
 * functions throw simple-git's errors, which callers turn into PipelineErrors naming the input.
 */
import * as fs from 'node:fs';
import { simpleGit, type SimpleGit } from 'simple-git';
import type { ResolvedRef } from './refs';

export interface GitOptions {
  signal?: AbortSignal;
  /** kill git after this long without output */
  idleTimeoutMs?: number;
}

/** Certificate settings of the user's environment that git over https may need. */
const PASSED_THROUGH = ['GIT_SSL_CAINFO', 'GIT_SSL_CAPATH'];
/** Variables that make git run other programs; simple-git refuses them, and we do not need them. */
const PROGRAM_VARIABLES = new Set(['EDITOR', 'VISUAL', 'PAGER', 'PREFIX', 'SSH_ASKPASS']);

/** The environment git gets: the user's, without GIT_* settings (but certificates), and no prompts. */
export function gitEnvironment(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || PROGRAM_VARIABLES.has(k.toUpperCase())) continue;
    if (k.toUpperCase().startsWith('GIT_') && !PASSED_THROUGH.includes(k.toUpperCase())) continue;
    out[k] = v;
  }
  // a private repository fails instead of waiting for a password nobody types
  out.GIT_TERMINAL_PROMPT = '0';
  return out;
}

export function git(dir: string | undefined, options: GitOptions = {}): SimpleGit {
  const env = gitEnvironment();
  const g = simpleGit({
    ...(dir ? { baseDir: dir } : {}),
    timeout: { block: options.idleTimeoutMs ?? 120_000 },
    ...(options.signal ? { abort: options.signal } : {}),
    allowEnvironment: Object.keys(env).filter((k) => k.toUpperCase().startsWith('GIT_')),
  });
  return g.env(env);
}

/**
 * What git is handed: a plain local path becomes file:// so that `--depth` applies (git ignores
 * it for local paths and copies the whole history).
 */
export const gitAddress = (url: string): string => (url.startsWith('/') ? `file://${url}` : url);

/** `git ls-remote` of the whole remote (branches, tags, HEAD). */
export async function lsRemote(url: string, options: GitOptions = {}): Promise<string> {
  return git(undefined, options).listRemote(['--', gitAddress(url)]);
}

export interface Checkout {
  /** full commit id of HEAD */
  commit: string;
  /** committer time of HEAD, seconds since the epoch */
  time: number;
  /** true when the server refused a shallow fetch of an abbreviated id and everything was fetched */
  fullFetch: boolean;
}

export async function headOf(dir: string, options: GitOptions = {}): Promise<{ commit: string; time: number }> {
  const out = (await git(dir, options).raw(['log', '-1', '--format=%H %ct'])).trim();
  const [commit, time] = out.split(' ');
  return { commit, time: Number(time) };
}

/**
 * Checks `ref` of `url` out into `dir` (which must not exist or be empty):
 * a branch or tag by a shallow single-branch clone; a commit id by init + fetch of that id with
 * depth 1, falling back to fetching everything when the server refuses an abbreviated id.
 */
export async function checkoutRef(url: string, ref: ResolvedRef, dir: string, options: GitOptions = {}): Promise<Checkout> {
  fs.mkdirSync(dir, { recursive: true });
  const address = gitAddress(url);
  if (ref.kind === 'branch' || ref.kind === 'tag') {
    await git(undefined, options).clone(address, dir, ['--depth', '1', '--branch', ref.name, '--single-branch', '--no-tags']);
    return { ...(await headOf(dir, options)), fullFetch: false };
  }
  if (ref.kind === 'head') {
    await git(undefined, options).clone(address, dir, ['--depth', '1', '--single-branch', '--no-tags']);
    return { ...(await headOf(dir, options)), fullFetch: false };
  }
  const g = git(dir, options);
  await g.init();
  await g.addRemote('origin', address);
  let fullFetch = false;
  const wanted = ref.commit ?? ref.name;
  try {
    await g.fetch('origin', wanted, ['--depth', '1', '--no-tags']);
    await g.checkout(['--detach', 'FETCH_HEAD']);
  } catch (e) {
    if (wanted.length >= 40) throw e;
    // servers only give out full ids; look the abbreviated one up in the whole history
    fullFetch = true;
    await g.fetch('origin', ['--tags', '+refs/heads/*:refs/remotes/origin/*']);
    // `wanted` is hex (checked by resolveRef), so it cannot be read as an option
    const full = (await g.raw(['rev-parse', '--verify', '--quiet', `${wanted}^{commit}`]).catch(() => '')).trim();
    if (!/^[0-9a-f]{40,64}$/.test(full)) throw new Error(`fatal: no commit ${wanted} in ${url}`);
    await g.checkout(['--detach', full]);
  }
  const head = await headOf(dir, options);
  if (!head.commit.startsWith(ref.name)) throw new Error(`checked out ${head.commit}, not ${ref.name}`);
  return { ...head, fullFetch };
}

/** The last meaningful lines of a git error, for messages. */
export function gitMessage(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l && !/^hint:/.test(l));
  return lines.slice(-3).join(' / ') || 'git failed';
}
