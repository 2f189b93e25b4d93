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

const USER = 'ref-user';
const PASSWORD = 'Ref-pass-never-shown';
let registry: TestRegistry;

test.before(async () => {
  registry = await startRegistry(19452, { auth: { user: USER, password: PASSWORD } });
});
test.after.always(async () => {
  await registry?.stop();
});

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
