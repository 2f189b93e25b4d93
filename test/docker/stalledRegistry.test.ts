/**
 * A registry that stalls (answers, then trickles a byte now and then, for ever) through the CLI:
 * `gulp push` ends at registryLimits.requestSeconds with a message naming the registry and the
 * limit; SIGTERM meanwhile ends the run with exit 130 at once (10 s: a bound against hanging,
 * not a speed measurement). The engine is only asked for its registry settings.
 */
import * as path from 'node:path';
import test from 'ava';
import { startGulp, terminate } from '../helpers/gulp';
import { tempDir, writeJson } from '../helpers/temp';
import { trickleServer } from '../helpers/trickle';

const VERSION = process.env.CONTRAIL_TEST_DEMO_VERSION ?? '4.0.0.0-36';

function config(extra: Record<string, unknown>): string {
  const root = tempDir('t-stalled-registry-');
  return writeJson(path.join(root, 'config.json'), {
    version: VERSION, workDir: path.join(root, 'work'), push: { retries: 0 }, images: { base: { packages: [] } }, ...extra,
  });
}

test('a stalled registry ends the push at registryLimits.requestSeconds, naming the registry and the limit', async (t) => {
  const server = await trickleServer(500);
  t.teardown(() => server.close());
  const run = startGulp(['push', '--config', config({ registryLimits: { requestSeconds: 3 } }), '--registry', `127.0.0.1:${server.port}`]);
  const r = await run.done;
  t.is(r.code, 1, r.stdout + r.stderr);
  t.regex(r.stdout + r.stderr, new RegExp(`registry 127\\.0\\.0\\.1:${server.port}: GET /v2/: no complete answer within registryLimits\\.requestSeconds \\(3 s\\)`));
  t.true(server.requests >= 1);
});

test('SIGTERM while the registry stalls ends the run with exit 130 within 10 s', async (t) => {
  const server = await trickleServer(500);
  t.teardown(() => server.close());
  const run = startGulp(['push', '--config', config({}), '--registry', `127.0.0.1:${server.port}`]);
  await run.waitForOutput(/Starting 'checkRegistry'/, 300_000);
  // the request is under way (the server saw it) before the signal
  while (server.requests === 0) await new Promise((resolve) => setTimeout(resolve, 100));
  const r = await terminate(run);
  t.is(r.code, 130, r.stdout + r.stderr);
  t.true(r.afterSignalMs < 10_000, `ended ${r.afterSignalMs} ms after SIGTERM`);
  t.regex(r.stdout + r.stderr, /interrupted by SIGTERM/);
});
