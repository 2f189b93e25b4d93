import { PassThrough } from 'node:stream';
import test from 'ava';
import { ensureBaseImage } from '../../lib/docker/osImage';
import { LABELS } from '../../lib/docker/labels';
import { memoryLogger } from '../../lib/log';
import { docker, imageLabels, removeImage } from '../helpers/docker';
import { runGulp } from '../helpers/gulp';
import { tempDir } from '../helpers/temp';

test('no engine: one clear error within seconds, exit 1', async (t) => {
  const r = await runGulp(['contrailRepo', '--config', 'examples/demo/config.json'], { DOCKER_HOST: 'unix:///tmp/no-such-docker.sock' });
  t.is(r.code, 1);
  const out = r.stdout + r.stderr;
  t.regex(out, /no Docker engine answers at unix:\/\/\/tmp\/no-such-docker\.sock/);
  t.regex(out, /hint: start the engine DOCKER_HOST points at/);
  t.notRegex(out, /    at /, 'no stack trace');
  t.true(r.ms < 10_000, `took ${r.ms} ms`);
});

test('base image: bootstrapped with debootstrap and imported, then found local', async (t) => {
  const ref = 'contrail-test-bootstrap:bookworm';
  await removeImage(ref);
  const req = { ref, bootstrap: { suite: 'bookworm' }, scratchDir: tempDir() };
  const first = await ensureBaseImage(docker, req, memoryLogger());
  t.is(first.how, 'bootstrapped');
  const labels = await imageLabels(ref);
  t.is(labels[LABELS.project], 'contrail-docker');
  t.is(labels[LABELS.role], 'base-os');
  const second = await ensureBaseImage(docker, req, memoryLogger());
  t.is(second.how, 'local');
  t.is(second.id, first.id);
  // it is a real Debian root file system
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => (text += d));
  const [result] = await docker.run(ref, ['cat', '/etc/debian_version'], out, { Tty: true, HostConfig: { NetworkMode: 'host', AutoRemove: true } });
  t.is(result.StatusCode, 0);
  t.regex(text, /^12\./);
  await removeImage(ref);
});

test('base image: neither local, pullable nor bootstrappable is one clear input error', async (t) => {
  const e = await t.throwsAsync(ensureBaseImage(docker, { ref: 'contrail-test-nowhere:1', bootstrap: null, scratchDir: tempDir() }, memoryLogger()));
  t.regex(e!.message, /base image contrail-test-nowhere:1 is not local and cannot be pulled/);
  t.regex((e as any).hint, /bootstrap/);
});
