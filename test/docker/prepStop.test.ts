/**
 * prep runs contrailRepo and contrailAnsible side by side: when one fails, the other is cancelled
 * instead of working on for a run that fails. Version t-prep-stop, repo port 18660 are this file's.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import test from 'ava';
import { DEMO_CONFIG, demoBaseImage } from '../helpers/docker';
import { runGulp } from '../helpers/gulp';
import { tempDir } from '../helpers/temp';

test('a failed contrailRepo stops contrailAnsible beside it: exit 2 naming the input, no artifact made', async (t) => {
  await demoBaseImage();
  // a packages tar that answers 404 after a moment: contrailAnsible is under way by then
  const server = http.createServer((_req, res) => setTimeout(() => res.writeHead(404).end('no such file'), 3000));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/contrail-install-packages.tgz`;
  const workDir = tempDir('t-prep-stop-');

  const r = await runGulp(['prep', '--config', DEMO_CONFIG, '--work-dir', workDir, '--contrail-version', 't-prep-stop',
    '--repo-port', '18660', '--packages-tar', url]);
  const out = r.stdout + r.stderr;
  t.is(r.code, 2, out);
  t.regex(out, /packages\.tar .*contrail-install-packages\.tgz.* cannot be downloaded/);
  t.regex(out, /contrailRepo failed: stopping contrailAnsible/);
  t.notRegex(out, /Finished 'contrailAnsible'/);
  const artifacts = path.join(workDir, 'artifacts');
  t.deepEqual(fs.existsSync(artifacts) ? fs.readdirSync(artifacts).filter((f) => f.endsWith('.tar.gz')) : [], []);
});
