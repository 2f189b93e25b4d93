/**
 * The contrail-ansible artifact stored in a real docker-registry (htpasswd) and fetched back with
 * the same sha256, and an image looked up by its hash tag, through the Registry HTTP API only (no
 * engine). Port 21211 is this file's own.
 */
import * as crypto from 'node:crypto';
import * as zlib from 'node:zlib';
import test from 'ava';
import type { AnsibleManifest } from '../../lib/ansible/manifest';
import { findArtifact, storeArtifact } from '../../lib/cache/ansibleArtifact';
import { parseRegistry } from '../../lib/config/checks';
import { RegistryClient } from '../../lib/push/registryApi';
import { hashTag, registryPlace } from '../../lib/cache/identity';
import { hashLabels, lookupImage } from '../../lib/cache/lookup';
import { LABELS } from '../../lib/docker/labels';
import { startRegistry, type TestRegistry } from '../helpers/registry';

let registry: TestRegistry;
test.before(async () => {
  registry = await startRegistry(21211, { auth: { user: 'u', password: 'p-secret' } });
});
test.after.always(async () => registry?.stop());

test('stored as a one-layer image, found by repository and commit, fetched with the same sha256; stored once', async (t) => {
  const client = new RegistryClient({ host: registry.address, scheme: 'http', credentials: { username: 'u', password: 'p-secret', source: 'test' } });
  const address = parseRegistry(`${registry.address}/nightly`, 'registry');
  const artifact = zlib.gzipSync(crypto.randomBytes(300 << 10));
  const sha256 = crypto.createHash('sha256').update(artifact).digest('hex');
  const commit = crypto.randomBytes(20).toString('hex');
  const manifest = { format: 1, artifact: 'contrail-ansible-12.0.0-2.tar.gz', sha256, source: 'git', given: null, repo: 'file:///demo/contrail-ansible', ref: 'master', commit, commitTime: 1, rolesPath: null, collectionsPath: null, roles: [], collections: [], warnings: [] } as AnsibleManifest;

  t.is(await findArtifact(client, address, manifest.repo!, commit), null);
  t.is(await storeArtifact(client, address, artifact, manifest), 'stored');
  t.is(await storeArtifact(client, address, artifact, manifest), 'already there');
  t.true((await registry.catalog()).includes('nightly/contrail-ansible'));

  const found = await findArtifact(client, address, manifest.repo!, commit);
  t.truthy(found);
  t.is(found!.manifest.sha256, sha256);
  const back = await found!.fetch();
  t.is(crypto.createHash('sha256').update(back).digest('hex'), sha256);
  t.is(await findArtifact(client, address, manifest.repo!, 'f'.repeat(40)), null, 'another commit is not found');
  t.is(await findArtifact(client, address, 'file:///other', commit), null, 'nor another repository');
});

test('lookup by hash tag: taken only when the config blob\'s input-hash label is the tag\'s hash; its id is the config digest', async (t) => {
  const client = new RegistryClient({ host: registry.address, scheme: 'http', credentials: { username: 'u', password: 'p-secret', source: 'test' } });
  const place = registryPlace(parseRegistry(registry.address, 'registry'), 'contrail-base-debian12:12.0.0-3');
  const sha = (b: Buffer) => `sha256:${crypto.createHash('sha256').update(b).digest('hex')}`;
  const put = async (tag: string, labelHash: string) => {
    const layer = zlib.gzipSync(crypto.randomBytes(1024));
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Labels: { [LABELS.inputHash]: labelHash } }, rootfs: { type: 'layers', diff_ids: [sha(zlib.gunzipSync(layer))] } }));
    await client.uploadBlob(place.name, sha(layer), layer);
    await client.uploadBlob(place.name, sha(config), config);
    const body = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: sha(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: sha(layer), size: layer.length }] });
    await client.putManifest(place.name, tag, { digest: sha(Buffer.from(body)), mediaType: 'application/vnd.docker.distribution.manifest.v2+json', body });
    return sha(config);
  };
  const good = 'a'.repeat(64);
  const other = 'b'.repeat(64);
  const id = await put(hashTag(good), good);
  const found = await lookupImage(client, place, hashTag(good), hashLabels(good));
  t.is(found?.id, id);
  t.is(found?.labels[LABELS.inputHash], good);
  // a tag whose image carries another hash (written by hand, or a collision) is not what it claims
  await put(hashTag(other), good);
  t.is(await lookupImage(client, place, hashTag(other), hashLabels(other)), null);
  t.is(await lookupImage(client, place, hashTag('c'.repeat(64)), hashLabels('c'.repeat(64))), null, 'no such tag');
});
