import test from 'ava';
import { configDigest, configLabels } from '../../lib/cache/lookup';

const D = `sha256:${'c'.repeat(64)}`;
const manifest = (mediaType: string, body: unknown) => ({ digest: `sha256:${'d'.repeat(64)}`, mediaType, body: JSON.stringify(body) });

test('config digest: from a Docker v2 or OCI image manifest; none from an index or a foreign artifact', (t) => {
  t.is(configDigest(manifest('application/vnd.docker.distribution.manifest.v2+json', { schemaVersion: 2, config: { digest: D } })), D);
  t.is(configDigest(manifest('application/vnd.oci.image.manifest.v1+json', { schemaVersion: 2, config: { digest: D } })), D);
  t.is(configDigest(manifest('', { mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { digest: D } })), D);
  t.is(configDigest(manifest('application/vnd.oci.image.index.v1+json', { manifests: [] })), null);
  t.is(configDigest(manifest('application/vnd.docker.distribution.manifest.v2+json', { config: { digest: 'sha256:short' } })), null);
  t.is(configDigest({ digest: D, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', body: 'not json' }), null);
});

test('config labels: the image config\'s Labels, {} when absent or null', (t) => {
  t.deepEqual(configLabels(JSON.stringify({ config: { Labels: { a: 'b' } } })), { a: 'b' });
  t.deepEqual(configLabels(JSON.stringify({ config: { Labels: null } })), {});
  t.deepEqual(configLabels('{'), {});
});
