/**
 * The registry cache restores the rpm family's packages on a fresh host, as it does the deb
 * family's (registryCache.test.ts): push through the gulp CLI to a real docker-registry, wipe the
 * host (images, repo container, builder, work folder; the rpm demo base stays, as a base OS image
 * does), push again: no RPM is built, the packages come out of the repo image the registry keeps
 * under its sources key, checked against the manifest's sha256. Registry port 19310, repo port
 * 19311, version 31.3.0-1, OS name rpmcache31.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import * as tar from 'tar';
import { parseManifest } from '../../lib/packages/buildPlan';
import { repoContainerName, repoImageRef } from '../../lib/naming';
import { ensureRpmDemoBase, RPM_DEMO_BASE } from '../../scripts/rpm-demo-base';
import { memoryLogger } from '../../lib/log';
import { docker, removeImage } from '../helpers/docker';
import { ROOT, runGulp } from '../helpers/gulp';
import { withTestLock } from '../helpers/lock';
import { startRegistry, type TestRegistry } from '../helpers/registry';
import { tempDir, writeJson } from '../helpers/temp';

const VERSION = '31.3.0-1';
const OS = 'rpmcache31';
const REPO_PORT = 19311;

let registry: TestRegistry;
let config: string;
let workDir: string;

test.before(async () => {
  await withTestLock('rpm-demo-base', () => ensureRpmDemoBase(docker, memoryLogger(!!process.env.TEST_ECHO), tempDir('rpm-demo-base-')));
  registry = await startRegistry(19310);
  const dir = tempDir('rpm-cache-');
  workDir = path.join(dir, 'work');
  fs.cpSync(path.join(ROOT, 'examples', 'rpm', 'packages', 'contrail-lib'), path.join(dir, 'contrail-lib'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'tree', 'contrail-ansible', 'playbooks'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'tree', 'contrail-ansible', 'playbooks', 'site.yml'), '- hosts: localhost\n  tasks: []\n');
  await tar.c({ cwd: path.join(dir, 'tree'), gzip: true, file: path.join(dir, 'contrail-ansible.tar.gz'), portable: true }, ['contrail-ansible']);
  config = writeJson(path.join(dir, 'config.json'), {
    version: VERSION, os: OS, baseImage: RPM_DEMO_BASE,
    packages: { build: { sources: [{ name: 'contrail-lib', path: 'contrail-lib', spec: 'contrail-lib.spec' }] } },
    repo: { port: REPO_PORT },
    ansible: { artifact: 'contrail-ansible.tar.gz' },
    images: { base: { packages: ['contrail-utils'] } },
    jobs: 2,
  });
});

const refs = [`contrail-base-${OS}:${VERSION}`, repoImageRef(OS, VERSION), `contrail-builder-${OS}:${VERSION}`];

async function wipeHost(): Promise<void> {
  await docker.getContainer(repoContainerName(OS, REPO_PORT)).remove({ force: true }).catch(() => {});
  for (const r of refs) await removeImage(r);
  fs.rmSync(workDir, { recursive: true, force: true });
}

test.after.always(async () => {
  await registry?.stop();
  await wipeHost();
});

const push = async () => {
  const r = await runGulp(['push', '--config', config, '--work-dir', workDir, '--registry', registry.address], { DOCKER_CONFIG: tempDir('rpm-cache-docker-config-') });
  return { ...r, out: r.stdout + r.stderr };
};

test.serial('push, wipe the host, push again: the RPMs are restored from the registry, not built', async (t) => {
  const first = await push();
  t.is(first.code, 0, first.out);
  t.regex(first.out, /packageBuild: contrail-lib \(1\/1\): building/);
  t.true((await registry.tags(`contrail-repo-${OS}`)).some((tag) => /^src-[0-9a-f]{64}$/.test(tag)), 'the rpm repo image is kept under its sources key');
  const builtManifest = parseManifest(fs.readFileSync(path.join(workDir, 'packages', 'manifest.json'), 'utf8'))!;
  const files = builtManifest.sources[0].files;
  t.deepEqual(files.map((f) => f.file), ['contrail-lib-4.0.0.0-20.noarch.rpm', 'contrail-lib-devel-4.0.0.0-20.noarch.rpm',
    'contrail-utils-4.0.0.0-20.noarch.rpm', 'python-contrail-4.0.0.0-20.noarch.rpm']);

  await wipeHost();
  const again = await push();
  t.is(again.code, 0, again.out);
  t.notRegex(again.out, /packageBuild: .*: building|building the builder image/);
  t.regex(again.out, new RegExp(`packageBuild: from the registry: contrail-repo-${OS}:31\\.3\\.0-1 \\(sources key [0-9a-f]{12}\\), 1 sources' packages restored`));
  const restored = parseManifest(fs.readFileSync(path.join(workDir, 'packages', 'manifest.json'), 'utf8'))!;
  t.deepEqual(restored.sources[0].files, files);
  for (const f of files) t.true(fs.statSync(path.join(workDir, 'packages', f.file)).size > 500, f.file);
});
