/** Which engine serves the run's own repo, which runs one of its own, and when its image is pulled. */
import test from 'ava';
import { planEngineRepo } from '../../lib/packages/engineRepo';

const image = { id: 'sha256:aa' };

test('the first engine uses the repo contrailRepo serves', (t) => {
  t.like(planEngineRepo({ first: true, repoImage: image, local: image }), { kind: 'the run repo' });
});

test('packages.url: every engine uses that repository, none runs a container', (t) => {
  t.like(planEngineRepo({ first: false, repoImage: null, local: null }), { kind: 'the run repo' });
});

test('another engine runs its own container, pulling the image unless it has that very one', (t) => {
  t.deepEqual(planEngineRepo({ first: false, repoImage: image, local: null }), { kind: 'own container', pull: true });
  t.deepEqual(planEngineRepo({ first: false, repoImage: image, local: { id: 'sha256:bb' } }), { kind: 'own container', pull: true });
  t.deepEqual(planEngineRepo({ first: false, repoImage: image, local: image }), { kind: 'own container', pull: false });
});
