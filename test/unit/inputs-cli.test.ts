/**
 * Inputs refused through the CLI before any Docker work, exit 2, one message naming the input:
 * a registry value with a query (its token not printed); `spec` beside `manifest` in a source.
 */
import * as path from 'node:path';
import test from 'ava';
import { runGulp } from '../helpers/gulp';
import { tempDir, writeJson } from '../helpers/temp';

const VERSION = process.env.CONTRAIL_TEST_DEMO_VERSION ?? '4.0.0.0-36';
const SECRET = 'q-t0ken-8812';

const config = (extra: Record<string, unknown>) => {
  const root = tempDir('t-inputs-cli-');
  return writeJson(path.join(root, 'config.json'), { version: VERSION, workDir: path.join(root, 'work'), ...extra });
};

test('a registry value with ?token= is refused (exit 2), named, and the token is not printed', async (t) => {
  for (const args of [['--registry', `127.0.0.1:5000/contrail?token=${SECRET}`], ['--cache-registry', `127.0.0.1:5000#${SECRET}`]]) {
    const r = await runGulp(['plan', '--config', config({}), ...args]);
    t.is(r.code, 2, r.stdout + r.stderr);
    t.regex(r.stdout + r.stderr, /holds a query or fragment \("\?\.\.\." or "#\.\.\."\), which may carry a token/);
    t.false((r.stdout + r.stderr).includes(SECRET));
  }
});

test('"spec" beside "manifest" in a source is refused (exit 2), naming the source', async (t) => {
  const source = { name: 'vnc', manifest: { url: 'file:///nonexistent/vnc', ref: 'main' }, steps: ['true'], outputs: ['*.deb'], spec: 'contrail.spec' };
  const r = await runGulp(['plan', '--config', config({ packages: { build: { sources: [source] } } })]);
  t.is(r.code, 2, r.stdout + r.stderr);
  t.regex(r.stdout + r.stderr, /packages\.build\.sources\[0\].*: "spec" does not go with "manifest"/);
});
