/**
 * The referrers tag schema against a real docker-registry (distribution 2.x, no referrers API)
 * with htpasswd: documents attached to an image manifest are listed under `sha256-<hex>`, skopeo
 * reads the index and the artifacts, pushing again adds nothing, and a later, different document
 * of the same type does not displace the one the image was shipped with. Port 19452 is this file's own.
 */
import { spawnSync } from 'node:child_process';
import test from 'ava';
import { sha256 } from '../../lib/hash';
import { memoryLogger } from '../../lib/log';
import { attachArtifacts, OCI_INDEX, OCI_MANIFEST, referrersTag } from '../../lib/push/referrers';
import { RegistryClient } from '../../lib/push/registryApi';
import { startRegistry, type TestRegistry } from '../helpers/registry';
import { runGulp } from '../helpers/gulp';
import { ROOT } from '../helpers/docker';
import { tempDir } from '../helpers/temp';
import * as path from 'node:path';

const USER = 'ref-user';
const PASSWORD = 'Ref-pass-never-shown';
let registry: TestRegistry;

test.before(async () => {
  registry = await startRegistry(19452, { auth: { user: USER, password: PASSWORD } });
});
test.after.always(async () => {
  await registry?.stop();
});

/** An empty image manifest under `name:tag` (a config, no layers); `label` makes each one distinct. */
async function emptyImage(client: RegistryClient, name: string, tag: string, label: string) {
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Labels: { label } }, rootfs: { type: 'layers', diff_ids: [] } });
  await client.uploadBlob(name, `sha256:${sha256(config)}`, Buffer.from(config));
  const body = JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${sha256(config)}`, size: config.length }, layers: [] });
  await client.putManifest(name, tag, { digest: `sha256:${sha256(body)}`, mediaType: OCI_MANIFEST, body });
  return (await client.manifest(name, tag))!;
}

const sbomOf = (packages: [string, string][]) => JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', components: packages.map(([n, v]) => ({ type: 'library', name: n, version: v, purl: `pkg:deb/debian/${n}@${v}?arch=amd64&distro=debian-12` })) });

const skopeo = (ref: string) => spawnSync('skopeo', ['inspect', '--raw', '--tls-verify=false', '--creds', `${USER}:${PASSWORD}`, `docker://${registry.address}/${ref}`], { encoding: 'utf8' });

test('documents attached through the tag schema: listed once, readable by skopeo, the first of each type kept', async (t) => {
  const client = new RegistryClient({ host: registry.address, scheme: 'http', credentials: { username: USER, password: PASSWORD } as never });
  // an image manifest to attach to (an empty image: a config, no layers)
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } });
  await client.uploadBlob('t/probe', `sha256:${sha256(config)}`, Buffer.from(config));
  const body = JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${sha256(config)}`, size: config.length }, layers: [] });
  await client.putManifest('t/probe', 'v1', { digest: `sha256:${sha256(body)}`, mediaType: OCI_MANIFEST, body });
  const subject = (await client.manifest('t/probe', 'v1'))!;
  const docs = [{ artifactType: 'application/vnd.cyclonedx+json', text: '{"bomFormat":"CycloneDX"}' }, { artifactType: 'application/vnd.in-toto+json', text: '{"_type":"x"}' }];
  const log = memoryLogger();

  t.deepEqual(await attachArtifacts(client, 't/probe', subject, docs, log), { via: 'tag schema', added: 2 });
  const raw = skopeo(`t/probe:${referrersTag(subject.digest)}`);
  t.is(raw.status, 0, raw.stderr);
  const index = JSON.parse(raw.stdout) as { mediaType: string; manifests: { artifactType: string; digest: string }[] };
  t.is(index.mediaType, OCI_INDEX);
  t.deepEqual(index.manifests.map((m) => m.artifactType), docs.map((d) => d.artifactType));
  const art = skopeo(`t/probe@${index.manifests[0].digest}`);
  t.is(art.status, 0, art.stderr);
  const artifact = JSON.parse(art.stdout) as { artifactType: string; subject: { digest: string }; layers: { digest: string }[] };
  t.is(artifact.subject.digest, subject.digest);
  t.is(artifact.layers[0].digest, `sha256:${sha256(docs[0].text)}`);
  t.is((await client.blobBytes('t/probe', artifact.layers[0].digest)).toString(), docs[0].text);

  t.deepEqual(await attachArtifacts(client, 't/probe', subject, docs, log), { via: 'tag schema', added: 0 });
  t.deepEqual(await attachArtifacts(client, 't/probe', subject, [{ ...docs[0], text: '{"bomFormat":"CycloneDX","later":true}' }], log), { via: 'tag schema', added: 0 });
  const after = JSON.parse(skopeo(`t/probe:${referrersTag(subject.digest)}`).stdout) as typeof index;
  t.deepEqual(after.manifests.map((m) => m.digest), index.manifests.map((m) => m.digest));
});

test('gulp sbomDiff --registry: two versions pushed there, their SBOMs found through the tag schema; a version it lacks is exit 2', async (t) => {
  const client = new RegistryClient({ host: registry.address, scheme: 'http', credentials: { username: USER, password: PASSWORD } as never });
  const log = memoryLogger();
  for (const [version, control] of [['d1', '4.0.0.0-20'], ['d2', '4.0.0.0-21']]) {
    for (const image of ['contrail-controller-debian12', 'contrail-lb-debian12']) {
      const subject = await emptyImage(client, image, version, `${image}-${version}`);
      const packages: [string, string][] = image.includes('controller') ? [['bash', '5.2-1'], ['contrail-control', control]] : [['bash', '5.2-1']];
      await attachArtifacts(client, image, subject, [{ artifactType: 'application/vnd.cyclonedx+json', text: sbomOf(packages) }], log);
    }
  }
  const args = ['sbomDiff', '--config', path.join(ROOT, 'examples/demo/config.json'), '--work-dir', tempDir(), '--registry', registry.address, '--registry-user', USER];
  const env = { CONTAINER_REGISTRY_PASSWORD: PASSWORD, DOCKER_CONFIG: tempDir() };
  const r = await runGulp([...args, '--from', 'd1', '--to', 'd2'], env);
  t.is(r.code, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /contrail-controller-debian12: 0 added, 0 removed, 1 changed/);
  t.regex(r.stdout, /~ contrail-control 4\.0\.0\.0-20 -> 4\.0\.0\.0-21/);
  t.regex(r.stdout, /contrail-lb-debian12: unchanged/);
  t.false((r.stdout + r.stderr).includes(PASSWORD));
  const missing = await runGulp([...args, '--from', 'd1', '--to', 'no-such-version'], env);
  t.is(missing.code, 2, missing.stdout + missing.stderr);
  t.regex(missing.stdout + missing.stderr, /--to "no-such-version": registry 127\.0\.0\.1:19452 has none of the family's images under that tag/);
});
