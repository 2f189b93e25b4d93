/**
 * publishFromCache against a real docker-registry (htpasswd), through the Registry HTTP API only
 * (no engine): the version tags move to the manifests stored under the identity tags, all or
 * nothing, and nothing is uploaded. Port 19651 is this file's own (ci-pipeline's range).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import test from 'ava';
import { parseRegistry } from '../../lib/config/checks';
import { PipelineError } from '../../lib/errors';
import { memoryLogger } from '../../lib/log';
import type { RegistryTarget } from '../../lib/push/connect';
import { publishFromCache, type PublishImage } from '../../lib/push/publishFromCache';
import { RegistryClient } from '../../lib/push/registryApi';
import { hashTag, registryPlace } from '../../lib/cache/identity';
import { LABELS } from '../../lib/docker/labels';
import { startRegistry, type TestRegistry } from '../helpers/registry';

const VERSION = 't-publish-38';
let registry: TestRegistry;
let target: RegistryTarget;
test.before(async () => {
  registry = await startRegistry(19651, { auth: { user: 'u', password: 'p-secret' } });
  const client = new RegistryClient({ host: registry.address, scheme: 'http', credentials: { username: 'u', password: 'p-secret', source: 'test' } });
  target = { address: parseRegistry(`${registry.address}/ci`, 'registry'), client, auth: {}, credentialSource: 'test', user: 'u' };
});
test.after.always(async () => registry?.stop());

const sha = (b: Buffer) => `sha256:${crypto.createHash('sha256').update(b).digest('hex')}`;
const hash = () => crypto.randomBytes(32).toString('hex');

/** A one-layer image stored under its identity tag; its manifest digest. */
async function store(image: PublishImage): Promise<string> {
  const { name } = registryPlace(target.address, image.ref);
  const layer = zlib.gzipSync(crypto.randomBytes(512));
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Labels: { [LABELS.inputHash]: image.inputHash } }, rootfs: { type: 'layers', diff_ids: [sha(zlib.gunzipSync(layer))] } }));
  await target.client.uploadBlob(name, sha(layer), layer);
  await target.client.uploadBlob(name, sha(config), config);
  const body = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: sha(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: sha(layer), size: layer.length }] });
  return target.client.putManifest(name, hashTag(image.inputHash!), { digest: sha(Buffer.from(body)), mediaType: 'application/vnd.docker.distribution.manifest.v2+json', body });
}

/** Every blob file the registry stores: what an upload would add to. */
function blobs(): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (e.name === 'data') out.push(path.join(d, e.name));
    }
  };
  walk(registry.storage);
  return out.sort();
}

const image = (component: string): PublishImage => ({ component, ref: `contrail-${component}-debian12:${VERSION}`, inputHash: hash() });
const versionDigest = (i: PublishImage) => registry.manifestDigest(`ci/contrail-${i.component}-debian12`, VERSION);

test('one identity tag missing: no version tag moves, and the error names the missing image; all there: every version tag moves to its h- manifest, nothing uploaded', async (t) => {
  const family = [image('base'), image('controller'), image('lb')];
  const digests = [await store(family[0]), await store(family[1])];
  const log = memoryLogger();
  const e = await t.throwsAsync(publishFromCache({ target, images: family, version: VERSION, retries: 0, log }), { instanceOf: PipelineError });
  t.is(e!.kind, 'build');
  t.regex(e!.message, /no image under its input hash for lb; every version tag on .* is where it was/);
  t.regex(e!.details.join('\n'), new RegExp(`ci/contrail-lb-debian12:${hashTag(family[2].inputHash!)}`));
  for (const i of family) t.is(await versionDigest(i), null, `${i.component}: no version tag`);

  digests.push(await store(family[2]));
  const before = blobs();
  const outcomes = await publishFromCache({ target, images: family, version: VERSION, retries: 0, log });
  t.deepEqual(outcomes.map((o) => [o.component, o.version, o.digest]), family.map((i, k) => [i.component, 'moved', digests[k]]));
  for (const [k, i] of family.entries()) t.is(await versionDigest(i), digests[k], `${i.component}: version tag at its h- manifest`);
  t.deepEqual(blobs(), before, 'no blob uploaded');

  const again = await publishFromCache({ target, images: family, version: VERSION, retries: 0, log });
  t.deepEqual(again.map((o) => o.version), ['unchanged', 'unchanged', 'unchanged']);
});

test('a new build of one image missing from the registry leaves the earlier version tags where they were', async (t) => {
  const family = [image('agent'), image('analytics')];
  const first = [await store(family[0]), await store(family[1])];
  await publishFromCache({ target, images: family, version: VERSION, retries: 0, log: memoryLogger() });
  const next = [family[0], { ...family[1], inputHash: hash() }, { component: 'kube', ref: `contrail-kube-debian12:${VERSION}`, inputHash: null, reason: 'blocked by contrail-base-debian12' }];
  const e = await t.throwsAsync(publishFromCache({ target, images: next, version: VERSION, retries: 0, log: memoryLogger() }), { instanceOf: PipelineError });
  t.regex(e!.message, /for analytics, kube;/);
  t.regex(e!.details.join('\n'), /its input hash is not known \(blocked by contrail-base-debian12\)/);
  t.is(await versionDigest(family[0]), first[0]);
  t.is(await versionDigest(family[1]), first[1]);
});
