/**
 * Refs and URLs reach git from config files and flags. git takes a leading '-' as an option
 * (`--upload-pack=...` has a long CVE history), so every ref and URL is checked before git runs.
 */
import { inputError } from '../errors';
import { quote } from '../text';

const URL_SCHEMES = /^(https?|ssh|git|file):\/\//;
const SCP_LIKE = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+$/;

/** Throws unless `url` is a git URL we are willing to hand to git. `what` names the input. */
export function checkGitUrl(url: string, what: string): void {
  if (url.startsWith('-')) {
    throw inputError(`${what} ${quote(url)} starts with '-', which git would read as an option`, 'give a repository URL such as https://host/org/repo.git or file:///path/repo');
  }
  // oxlint-disable-next-line no-control-regex -- control characters are what this check looks for
  if (/[\s\0]/.test(url) || /[\x00-\x1f\x7f]/.test(url)) {
    throw inputError(`${what} ${quote(url)} contains white space or control characters`, 'give a plain repository URL');
  }
  if (/^ext::/i.test(url) || /::/.test(url.split('/')[0] ?? '')) {
    throw inputError(`${what} ${quote(url)} uses a git remote helper, which can run commands`, 'give an https, ssh, git or file URL');
  }
  if (URL_SCHEMES.test(url) || SCP_LIKE.test(url) || url.startsWith('/')) return;
  throw inputError(
    `${what} ${quote(url)} is not a git URL`,
    'use https://, http://, ssh://, git://, file:// or user@host:path (or an absolute local path)',
  );
}

/** Throws unless `ref` is a plausible commit id, branch or tag name (git check-ref-format rules, and no leading '-'). */
export function checkGitRef(ref: string, what: string): void {
  const bad = (why: string) =>
    inputError(`${what} ${quote(ref)} ${why}`, 'give a commit id, a branch or a tag, e.g. master, v4.0.0 or 3f2c1ab');
  if (ref.startsWith('-')) throw bad("starts with '-', which git would read as an option");
  if (ref === '' || ref === '@') throw bad('is not a ref');
  // oxlint-disable-next-line no-control-regex -- control characters are what this check looks for
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(ref)) throw bad('contains a character git does not allow in refs');
  if (ref.includes('..') || ref.includes('@{') || ref.includes('//')) throw bad('contains a sequence git does not allow in refs');
  if (ref.startsWith('/') || ref.endsWith('/') || ref.endsWith('.') || ref.endsWith('.lock')) throw bad('is not a valid ref name');
  if (ref.split('/').some((part) => part.startsWith('.'))) throw bad('has a part starting with "."');
}

/** A full or abbreviated commit id (as opposed to a branch or tag name). */
export const looksLikeCommit = (ref: string): boolean => /^[0-9a-f]{7,40}$/.test(ref);
