import * as crypto from 'node:crypto';
import * as zlib from 'node:zlib';
import test from 'ava';
import { ANSIBLE_MANIFEST_LABEL, artifactImage, artifactTag } from '../../lib/cache/ansibleArtifact';
import type { AnsibleManifest } from '../../lib/ansible/manifest';

const sha = (b: Buffer) => `sha256:${crypto.createHash('sha256').update(b).digest('hex')}`;
const manifest = { format: 1, artifact: 'a.tar.gz', sha256: '', source: 'git', given: null, repo: 'file:///r', ref: 'master', commit: 'c'.repeat(40), commitTime: 1, rolesPath: null, collectionsPath: null, roles: [], collections: [], warnings: [] } as AnsibleManifest;

test('artifact image: one layer that is the artifact itself (layer digest = its sha256), the manifest in the config\'s labels', (t) => {
  const tarBytes = Buffer.from('pretend tar');
  const artifact = zlib.gzipSync(tarBytes);
  const image = artifactImage(artifact, { ...manifest, sha256: sha(artifact).slice(7) });
  const body = JSON.parse(image.manifest);
  t.is(body.mediaType, 'application/vnd.oci.image.manifest.v1+json');
  t.deepEqual(body.layers, [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha(artifact), size: artifact.length }]);
  t.is(image.layerDigest, sha(artifact));
  t.is(body.config.digest, sha(image.config));
  const config = JSON.parse(image.config.toString());
  t.deepEqual(config.rootfs.diff_ids, [sha(tarBytes)]);
  t.is(JSON.parse(config.config.Labels[ANSIBLE_MANIFEST_LABEL]).commit, manifest.commit);
});

test('artifact tag: by repository and commit; another commit or repository is another tag', (t) => {
  const a = artifactTag('file:///r', 'c'.repeat(40));
  t.regex(a, /^a-[0-9a-f]{64}$/);
  t.not(a, artifactTag('file:///r', 'd'.repeat(40)));
  t.not(a, artifactTag('file:///s', 'c'.repeat(40)));
  t.is(a, artifactTag('file:///r', 'c'.repeat(40)));
});
