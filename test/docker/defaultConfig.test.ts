/**
 * The default config.json (the real OpenContrail R4.0 recipe) offline: `gulp plan` fails at once,
 * naming the manifest URL it could not reach, before any image or package work. Offline is made
 * certain with a proxy address nothing listens on (127.0.0.1:21549), so the test means the same
 * on a machine with internet.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import { runGulp } from '../helpers/gulp';
import { tempDir } from '../helpers/temp';

test('gulp plan with the default config, offline: exit 2 naming the contrail-vnc manifest URL; nothing built or written', async (t) => {
  const work = tempDir('t-default-offline-');
  const proxy = 'http://127.0.0.1:21549';
  const r = await runGulp(['plan', '--work-dir', work], { HTTPS_PROXY: proxy, https_proxy: proxy, HTTP_PROXY: proxy, http_proxy: proxy, ALL_PROXY: proxy });
  const out = r.stdout + r.stderr;
  t.is(r.code, 2, out);
  t.regex(out, /packages\.build\.sources\[0\] \("contrail"\) manifest\.url: git cannot read "https:\/\/github\.com\/Juniper\/contrail-vnc"/);
  t.notRegex(out, /base image|builder image|contrail-ansible/);
  t.deepEqual(fs.existsSync(path.join(work, 'packages')) ? fs.readdirSync(path.join(work, 'packages')) : [], []);
});
