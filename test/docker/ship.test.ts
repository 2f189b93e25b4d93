/**
 * save and push end to end, through the real steps and the real CLI, on the demo family (the
 * shared fixture of test/helpers/family.ts: built once per machine, reused by content hash).
 * The fixture's images are only read here: no test in this file removes them. Registry port 18511.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import * as tar from 'tar';
import type { SaveManifest } from '../../lib/save/manifest';
import { saveImages } from '../helpers/steps';
import { demoConfig, removeImage } from '../helpers/docker';
import { DEMO_ARGS, DEMO_LOCK, DEMO_VERSION, DEMO_WORK_DIR, demoFamily, runWith, type DemoFamily } from '../helpers/family';
import { runGulp } from '../helpers/gulp';
import { withTestLock } from '../helpers/lock';
import { startRegistry, type TestRegistry } from '../helpers/registry';
import { tempDir } from '../helpers/temp';

const USER = 'demo-shipper';
const PASSWORD = 'never-print-Me-42';
let demo: DemoFamily;
let registry: TestRegistry;

test.before(async () => {
  demo = await demoFamily();
  registry = await startRegistry(18511, { auth: { user: USER, password: PASSWORD } });
});

test.after.always(async () => {
  await registry?.stop();
  // the push added registry tags to the shared images: take them off again (untag only)
  for (const i of demo?.build.images ?? []) await removeImage(`${registry.address}/${i.ref}`);
  if (demo?.repo.image) await removeImage(`${registry.address}/${demo.repo.image.ref}`);
});

/** The tar's own manifest.json inside a .tar.gz, read by streaming through it. */
async function archiveTags(file: string): Promise<string[]> {
  let text = '';
  await tar.t({
    file,
    onReadEntry: (e) => {
      if (e.path === 'manifest.json') e.on('data', (d: Buffer) => (text += d.toString()));
      else e.resume();
    },
  });
  return (JSON.parse(text) as { RepoTags: string[] }[]).flatMap((m) => m.RepoTags);
}

test.serial('save step: one archive with every family image and the repo image, the demo artifact, manifest with the ansible commit', async (t) => {
  const dir = tempDir();
  await withTestLock(DEMO_LOCK, async () => {
    const run = runWith(demoConfig({ version: DEMO_VERSION, workDir: DEMO_WORK_DIR, args: [...DEMO_ARGS, '--save-dir', dir, '--jobs', '2'] }));
    const result = await saveImages(run);
    const archive = `contrail-images-debian12-${DEMO_VERSION}.tar.gz`;
    t.is(result.files[archive], 'written');
    const refs = [...demo.build.images.map((i) => i.ref), demo.repo.image!.ref];
    t.deepEqual((await archiveTags(path.join(dir, archive))).sort(), [...refs].sort());
    const m = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as SaveManifest;
    const byRef = (a: (string | null)[], b: (string | null)[]) => String(a[0]).localeCompare(String(b[0]));
    t.deepEqual(m.images.map((i) => [i.ref, i.id]).sort(byRef), [
      ...demo.build.images.map((i) => [i.ref, i.id]), [demo.repo.image!.ref, demo.repo.image!.id],
    ].sort(byRef));
    t.is(m.ansible!.commit, demo.ansible.commit);
    t.is(m.ansible!.sha256, demo.ansible.sha256);
    t.true(fs.readFileSync(path.join(dir, `contrail-ansible-${DEMO_VERSION}.tar.gz`)).equals(fs.readFileSync(demo.ansible.artifact)));
  });
});

const cli = (task: string, ...more: string[]) =>
  [task, '--config', 'examples/demo/config.json', ...DEMO_ARGS, '--wait', ...more];

test.serial('gulp save twice: the second run builds nothing and rewrites nothing', async (t) => {
  const dir = tempDir();
  await withTestLock(DEMO_LOCK, async () => {
    const first = await runGulp(cli('save', '--save-dir', dir));
    t.is(first.code, 0, first.stdout + first.stderr);
    const archive = path.join(dir, `contrail-images-debian12-${DEMO_VERSION}.tar.gz`);
    const before = fs.statSync(archive);
    const second = await runGulp(cli('save'), { CONTAINER_SAVE_LOCATION: dir });
    t.is(second.code, 0, second.stdout + second.stderr);
    t.regex(second.stdout, /nothing changed/);
    t.is(fs.statSync(archive).mtimeMs, before.mtimeMs);
  });
});

test.serial('gulp push with --registry-user: every image, the repo image and the ansible artifact in the catalog, digests read back match the summary', async (t) => {
  await withTestLock(DEMO_LOCK, async () => {
    const r = await runGulp(cli('push', '--registry', registry.address, '--registry-user', USER), {
      CONTAINER_REGISTRY_PASSWORD: PASSWORD, DOCKER_CONFIG: tempDir(),
    });
    const out = r.stdout + r.stderr;
    t.is(r.code, 0, out);
    t.false(out.includes(PASSWORD), 'the password is never printed');
    const names = [...demo.build.images.map((i) => i.ref), demo.repo.image!.ref].map((ref) => ref.split(':')[0]);
    // and the contrail-ansible artifact, made from git, findable by its commit (lib/cache/ansibleArtifact.ts)
    t.deepEqual((await registry.catalog()).sort(), [...names, 'contrail-ansible'].sort());
    for (const name of names) {
      const digest = await registry.manifestDigest(name, DEMO_VERSION);
      t.regex(digest ?? '', /^sha256:[0-9a-f]{64}$/);
      t.regex(out, new RegExp(`pushed +${registry.address.replace(/\./g, '\\.')}/${name}:${DEMO_VERSION.replace(/\./g, '\\.')} +${digest}`));
    }
    t.notRegex(out, /Starting 'buildImages'[\s\S]*built in/, 'nothing was rebuilt');
  });
});
