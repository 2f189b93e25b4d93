/**
 * A recipe source whose manifest repository and projects are served by a git server on 127.0.0.1
 * that requires basic auth, given with the credentials in manifest.url (the projects inherit them
 * through the manifest's relative remote). Built for real in the builder container; then the secret
 * (and its base64 form, as an Authorization header carries it) is in no file of the work folder,
 * no file the build step can see in the builder container (it greps for it there), and neither
 * the history nor the labels of the builder image.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import { simpleGit } from 'simple-git';
import { resolveConfig } from '../../lib/config/load';
import { builderImageRef } from '../../lib/naming';
import { demoBaseImage, docker, removeImage, testRun } from '../helpers/docker';
import { gitHttpServer } from '../helpers/gitHttp';
import { gitRepo } from '../helpers/gitRepo';
import { packageBuild } from '../helpers/steps';
import { tempDir, writeJson } from '../helpers/temp';

const VERSION = '22.0.0-36';
const SECRET = 'gh-cr3d-Wq71x';
const USER = 'builder';

const MANIFEST = `<manifest>
  <remote name="origin" fetch=".."/>
  <default revision="main" remote="origin"/>
  <project name="tiny-packages" path="tools/packages"/>
</manifest>
`;

const MAKE_DEB = `#!/bin/bash
set -euo pipefail
root=build/packages/tiny-cred
mkdir -p $root/DEBIAN
printf 'Package: tiny-cred\\nVersion: %s\\nArchitecture: all\\nMaintainer: tests <tests@opencontrail.invalid>\\nDescription: t\\n' "$CONTRAIL_VERSION" > $root/DEBIAN/control
dpkg-deb --root-owner-group --build $root build/packages/tiny-cred_\${CONTRAIL_VERSION}_all.deb
`;

test.serial.before(async () => {
  await demoBaseImage();
});

test.serial.after.always(async () => {
  await removeImage(builderImageRef('debian12', VERSION)).catch(() => undefined);
});

/** every file under `dir` (links not followed) that holds one of `needles` */
function filesHolding(dir: string, needles: string[]): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => {
    const full = path.join(dir, f);
    return fs.lstatSync(full).isFile() && needles.some((n) => fs.readFileSync(full).toString('latin1').includes(n));
  });
}

test.serial('credentials in git URLs: in no file of the work folder, of the builder container, or of the builder image', async (t) => {
  const root = tempDir('t-git-cred-');
  const repos: Record<string, Record<string, string>> = { 'contrail-vnc': { 'default.xml': MANIFEST }, 'tiny-packages': { 'make-deb.sh': MAKE_DEB } };
  for (const [name, files] of Object.entries(repos)) {
    const work = path.join(root, 'src', name);
    await gitRepo(work, files);
    await simpleGit(root).clone(work, path.join(root, 'served', name), ['--bare']);
  }
  const server = await gitHttpServer(path.join(root, 'served'), USER, SECRET);
  t.teardown(() => server.close());
  const base64 = Buffer.from(`${USER}:${SECRET}`).toString('base64');
  const encoded = Buffer.from(SECRET).toString('base64');
  const workDir = tempDir('t-git-cred-work-');
  const file = writeJson(path.join(tempDir('t-git-cred-config-'), 'config.json'), {
    version: VERSION, os: 'debian12', baseImage: 'debian:bookworm', bootstrap: { suite: 'bookworm' }, workDir,
    packages: {
      build: {
        sources: [{
          name: 'cred', manifest: { url: `http://${USER}:${SECRET}@127.0.0.1:${server.port}/contrail-vnc`, ref: 'main' },
          steps: [
            // the step sees the sandbox and the container: the secret must be in none of its files
            // (the step's text is logged: it holds neither needle, only the secret's own base64)
            `s=$(echo ${encoded} | base64 -d); h=$(printf '%s:%s' ${USER} "$s" | base64 -w0); for d in . /root /tmp /etc /home; do if grep -rqsF -e "$s" -e "$h" "$d"; then echo "secret found under $d"; exit 1; fi; done`,
            'bash tools/packages/make-deb.sh',
          ],
          outputs: ['build/packages/*.deb'],
        }],
        expect: ['tiny-cred'],
      },
    },
    repo: { port: 19551 },
  });
  const config = resolveConfig({ args: ['--config', file], env: {}, cwd: path.dirname(file) });
  const result = await packageBuild(testRun(config));
  t.is(result.debs.length, 1);
  t.true(server.authorized > 0, 'git did send the credentials');
  t.deepEqual(filesHolding(workDir, [SECRET, base64]), []);
  const image = docker.getImage(builderImageRef('debian12', VERSION));
  const history = JSON.stringify(await image.history());
  const inspect = JSON.stringify(await image.inspect());
  for (const needle of [SECRET, base64]) {
    t.false(history.includes(needle), 'builder image history');
    t.false(inspect.includes(needle), 'builder image config and labels');
  }
});
