/**
 * SBOM and provenance of the real demo family: every document validates (CycloneDX 1.6 with the
 * library's validator; the in-toto and SLSA shapes), bash and the Contrail packages are there with
 * their purls and, for the sandbox-built ones, each project's commit; save writes them beside the
 * archive; push attaches them to every image in a real docker-registry with htpasswd through the
 * referrers tag schema, which skopeo reads, and a second push adds no duplicate. Ports 19450-19459
 * are this file's own.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import { parseRegistry } from '../../lib/config/checks';
import { sha256 } from '../../lib/hash';
import { memoryLogger } from '../../lib/log';
import { connectRegistry } from '../../lib/push/connect';
import { PASSWORD_VARIABLE } from '../../lib/push/credentials';
import { OCI_INDEX, referrersTag } from '../../lib/push/referrers';
import { PROVENANCE_MEDIA_TYPE, statementProblems } from '../../lib/sbom/provenance';
import { parseSha256Sums, type SaveManifest } from '../../lib/save/manifest';
import { saveAll } from '../../lib/save/saveAll';
import { SBOM_MEDIA_TYPE, sbomProblems } from '../../lib/sbom/cyclonedx';
import { type ImageDocuments, imageDocuments } from '../../lib/sbom/gather';
import type { ShipImage } from '../../lib/ship';
import { pushImages } from '../../steps/push';
import { shippableImages } from '../../steps/shippableImages';
import { docker, ROOT } from '../helpers/docker';
import { DEMO_LOCK, type DemoFamily, demoFamily, runWith } from '../helpers/family';
import { withTestLock } from '../helpers/lock';
import { startRegistry, type TestRegistry } from '../helpers/registry';
import { tempDir } from '../helpers/temp';

const USER = 'sbom-pusher';
const PASSWORD = 'Pw-sbom-not-in-any-document';

let demo: DemoFamily;
let images: ShipImage[];
let docs: ImageDocuments[];

interface Component { name: string; purl?: string; version?: string; licenses?: unknown[]; properties?: { name: string; value: string }[] }
const components = (d: ImageDocuments) => (JSON.parse(d.sbom) as { components: Component[] }).components;
const prop = (c: Component, name: string) => c.properties?.find((p) => p.name === `contrail-docker:${name}`)?.value;
const demoCommit = (repo: string) => spawnSync('git', ['-C', path.join(ROOT, 'examples/demo/.build/git', repo), 'rev-parse', 'HEAD'], { encoding: 'utf8' }).stdout.trim();

test.before(async () => {
  demo = await demoFamily();
  images = await shippableImages(docker, demo.build, demo.repo, 'save');
  docs = await imageDocuments(docker, { images, repo: demo.repo, ansible: demo.ansible, family: 'deb', config: demo.config, jobs: 2 });
});

test('every image of the demo family has an SBOM the CycloneDX 1.6 validator accepts and an in-toto/SLSA provenance', async (t) => {
  t.deepEqual(docs.map((d) => d.ref).sort(), images.map((i) => i.ref).sort());
  for (const d of docs) {
    t.is(await sbomProblems(d.sbom), null, d.ref);
    t.deepEqual(statementProblems(JSON.parse(d.provenance)), [], d.ref);
    const statement = JSON.parse(d.provenance) as { subject: { digest: { sha256: string } }[] };
    t.is(`sha256:${statement.subject[0].digest.sha256}`, d.id);
  }
});

test('bash is in every SBOM with its purl and the version dpkg reports inside the image', async (t) => {
  const controller = docs.find((d) => d.ref.startsWith('contrail-controller-'))!;
  const inImage = spawnSync('docker', ['run', '--rm', '--network', 'none', controller.id, 'dpkg-query', '-W', '-f', '${Version} ${Architecture}', 'bash'], { encoding: 'utf8' });
  t.is(inImage.status, 0, inImage.stderr);
  const [version, arch] = inImage.stdout.trim().split(' ');
  for (const d of docs) {
    const bash = components(d).find((c) => c.name === 'bash');
    t.is(bash?.purl, `pkg:deb/debian/bash@${version}?arch=${arch}&distro=debian-12`, d.ref);
    // bash's DEP-5 copyright file declares GPL-3+ for "Files: *"
    t.deepEqual(bash?.licenses, [{ license: { name: 'GPL-3+' } }], d.ref);
  }
});

test('the Contrail packages carry where they came from: each sandbox project\'s commit, the plain source\'s folder hash', (t) => {
  const controller = docs.find((d) => d.ref.startsWith('contrail-controller-'))!;
  const control = components(controller).find((c) => c.name === 'contrail-control')!;
  t.regex(control.purl!, /^pkg:deb\/debian\/contrail-control@4\.0\.0\.0-20\?arch=[a-z0-9]+&distro=debian-12$/);
  t.is(prop(control, 'source:kind'), 'recipe');
  t.is(prop(control, 'sandbox:controller:commit'), demoCommit('contrail-controller'));
  t.is(prop(control, 'sandbox:third_party:commit'), demoCommit('contrail-third-party'));
  const vcenter = docs.find((d) => d.ref.startsWith('contrail-vcenter-plugin-'))!;
  const plugin = components(vcenter).find((c) => c.name === 'contrail-vcenter-plugin')!;
  t.is(prop(plugin, 'source:kind'), 'path');
  t.regex(prop(plugin, 'source:revision') ?? '', /^[0-9a-f]{16,64}$/);
  // contrail-ansible with its commit, in the images that carry it
  const ansible = components(controller).find((c) => c.name === 'contrail-ansible')!;
  t.is(ansible.version, demo.ansible.commit);
  t.falsy(components(docs.find((d) => d.ref.startsWith('contrail-repo-'))!).find((c) => c.name === 'contrail-ansible'));
});

test('save writes sbom/ and provenance/ beside the archive, listed with checksums that sha256sum -c accepts', async (t) => {
  const dir = path.join(tempDir(), 'out');
  // no archive (no images): the documents alone, as save writes them beside one
  const result = await saveAll(docker, { dir, os: demo.config.os, version: demo.config.version, perImage: false, gzipLevel: 1, images: [], ansible: null, documents: docs, log: memoryLogger() });
  const controller = docs.find((d) => d.ref.startsWith('contrail-controller-'))!;
  t.is(fs.readFileSync(path.join(dir, 'sbom', `${controller.name}.cdx.json`), 'utf8'), controller.sbom);
  t.is(fs.readFileSync(path.join(dir, 'provenance', `${controller.name}.intoto.json`), 'utf8'), controller.provenance);
  const m = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as SaveManifest;
  t.is(m.documents!.length, docs.length);
  const sums = parseSha256Sums(fs.readFileSync(path.join(dir, 'SHA256SUMS'), 'utf8'));
  t.true(`sbom/${controller.name}.cdx.json` in sums && `provenance/${controller.name}.intoto.json` in sums);
  const check = spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir, encoding: 'utf8' });
  t.is(check.status, 0, check.stdout + check.stderr);
  t.true(Object.values(result.files).every((s) => s === 'written'));
  // again: nothing changes
  const again = await saveAll(docker, { dir, os: demo.config.os, version: demo.config.version, perImage: false, gzipLevel: 1, images: [], ansible: null, documents: docs, log: memoryLogger() });
  t.true(Object.values(again.files).every((s) => s === 'unchanged'));
});

test.serial('push attaches both documents to every image through the referrers tag schema; skopeo reads it; a second push adds none', async (t) => {
  let registry: TestRegistry | undefined;
  try {
    registry = await startRegistry(19451, { auth: { user: USER, password: PASSWORD } });
    const reg = registry;
    const address = parseRegistry(reg.address, 'registry');
    const config = { ...demo.config, registry: reg.address, registryAddress: address, push: { ...demo.config.push, user: USER } };
    const target = await connectRegistry({ registry: address, user: USER, env: { [PASSWORD_VARIABLE]: PASSWORD, DOCKER_CONFIG: tempDir() }, retries: 2, log: memoryLogger() });
    const push = async () => withTestLock(DEMO_LOCK, async () => {
      const run = runWith(config);
      return { outcomes: await pushImages(run, { images: demo.build, repo: demo.repo, ansible: demo.ansible, target, family: async () => 'deb' as const }), log: run.log.text() };
    });
    const first = await push();
    t.regex(first.log, new RegExp(`SBOM and provenance: ${images.length} images, ${images.length * 2} documents attached \\(tag schema\\)`));
    for (const [k, o] of first.outcomes.entries()) {
      const name = o.ref.slice(reg.address.length + 1).replace(/:[^:]*$/, '');
      const tag = referrersTag(o.digest!);
      const raw = spawnSync('skopeo', ['inspect', '--raw', '--tls-verify=false', '--creds', `${USER}:${PASSWORD}`, `docker://${reg.address}/${name}:${tag}`], { encoding: 'utf8' });
      t.is(raw.status, 0, raw.stderr);
      const index = JSON.parse(raw.stdout) as { mediaType: string; manifests: { artifactType: string; digest: string }[] };
      t.is(index.mediaType, OCI_INDEX);
      t.deepEqual(index.manifests.map((m) => m.artifactType).sort(), [SBOM_MEDIA_TYPE, PROVENANCE_MEDIA_TYPE].sort(), name);
      // the SBOM artifact names the image as its subject, and its layer is the document
      const sbomDesc = index.manifests.find((m) => m.artifactType === SBOM_MEDIA_TYPE)!;
      const art = spawnSync('skopeo', ['inspect', '--raw', '--tls-verify=false', '--creds', `${USER}:${PASSWORD}`, `docker://${reg.address}/${name}@${sbomDesc.digest}`], { encoding: 'utf8' });
      t.is(art.status, 0, art.stderr);
      const manifest = JSON.parse(art.stdout) as { subject: { digest: string }; layers: { digest: string }[] };
      t.is(manifest.subject.digest, o.digest ?? '');
      const doc = docs.find((d) => d.ref === images[k].ref)!;
      t.is(manifest.layers[0].digest, `sha256:${sha256(doc.sbom)}`);
      t.false(doc.sbom.includes(PASSWORD) || doc.provenance.includes(PASSWORD));
    }
    const second = await push();
    t.regex(second.log, new RegExp(`SBOM and provenance: ${images.length} images, 0 documents attached \\(tag schema\\), ${images.length * 2} there already`));
    const o = second.outcomes[0];
    const name = o.ref.slice(reg.address.length + 1).replace(/:[^:]*$/, '');
    const raw = spawnSync('skopeo', ['inspect', '--raw', '--tls-verify=false', '--creds', `${USER}:${PASSWORD}`, `docker://${reg.address}/${name}:${referrersTag(o.digest!)}`], { encoding: 'utf8' });
    t.is((JSON.parse(raw.stdout) as { manifests: unknown[] }).manifests.length, 2);
  } finally {
    await registry?.stop();
  }
});
