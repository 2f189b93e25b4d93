/**
 * Each safety check of lib/git/safety.ts against a value that only it refuses: every other check
 * passes the value, so with the check removed the value would reach git, and the test fails.
 */
import test from 'ava';
import { PipelineError } from '../../lib/errors';
import { checkGitRef, checkGitUrl } from '../../lib/git/safety';

const refuses = (t: any, check: () => void, message: RegExp, value: string) => {
  const e = t.throws(check, { instanceOf: PipelineError }, value) as PipelineError | undefined;
  if (e) {
    t.is(e.kind, 'input', value);
    t.regex(e.message, message, value);
  }
};

test('git URLs: an option, white space or control characters, a remote helper, anything else; each refused by its own check', (t) => {
  // no white space, no "::": only the leading '-' check stands between these and git
  for (const v of ['--upload-pack=touch%20/tmp/x', '-oProxyCommand=x']) refuses(t, () => checkGitUrl(v, 'ansible.repo'), /^ansible\.repo ".*" starts with '-', which git would read as an option/, v);
  // well-formed https URLs but for the space or control character
  for (const v of ['https://h/a b.git', 'https://h/a\tb', 'https://h/a\x01b']) refuses(t, () => checkGitUrl(v, 'ansible.repo'), /contains white space or control characters/, v);
  // no spaces: the remote helper check alone names them (git would run `sh -c ...` for ext::)
  for (const v of ['ext::sh%20-c%20touch%20/tmp/pwned', 'EXT::x', 'fd::17', 'custom-helper::https://h/r']) {
    refuses(t, () => checkGitUrl(v, 'ansible.repo'), /^ansible\.repo ".*" uses a git remote helper, which can run commands/, v);
  }
  for (const v of ['ftp://h/r', 'relative/path', 'h:r']) refuses(t, () => checkGitUrl(v, 'ansible.repo'), /is not a git URL/, v);
  for (const v of ['https://h/r.git', 'ssh://git@h/r', 'git://h/r', 'file:///srv/r', 'git@h:org/r.git', '/srv/r']) t.notThrows(() => checkGitUrl(v, 'x'), v);
});

test('git refs: each rule of check-ref-format (and no leading "-") refuses the value only it catches', (t) => {
  const cases: [RegExp, string[]][] = [
    [/starts with '-', which git would read as an option/, ['-c', '--upload-pack=x']],
    [/is not a ref$/, ['@']],
    [/contains a character git does not allow in refs/, ['a b', 'a~1', 'a^', 'a:b', 'a?', 'a*', 'a[', 'a\\b', 'a\x7f']],
    [/contains a sequence git does not allow in refs/, ['a..b', 'a@{1}', 'a//b']],
    [/is not a valid ref name/, ['/a', 'a/', 'a.', 'a.lock']],
    [/has a part starting with "\."/, ['a/.b', '.a']],
  ];
  for (const [message, values] of cases) for (const v of values) refuses(t, () => checkGitRef(v, 'ansible.ref'), message, v);
  for (const v of ['master', 'R4.0', 'v4.0.0', 'feature/x-1', '3f2c1ab', 'a@b']) t.notThrows(() => checkGitRef(v, 'x'), v);
});
