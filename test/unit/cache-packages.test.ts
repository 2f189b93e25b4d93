import test from 'ava';
import { PACKAGES_MANIFEST_LABEL } from '../../lib/docker/labels';
import { manifestFromLabels, packagesPresent, sourcesKey } from '../../lib/cache/packages';
import type { Manifest } from '../../lib/packages/buildPlan';

const file = (f: string) => ({ file: f, package: f.split('_')[0], version: '1', architecture: 'all', sha256: 'a'.repeat(64) });
const manifest: Manifest = {
  format: 1, version: '12.0.0-1', os: 'debian12',
  sources: [
    { name: 'lib', commit: null, revision: 'r1', key: 'k1', log: '/l', builtAt: '', files: [file('lib_1_all.deb')] },
    { name: 'utils', commit: 'c', revision: 'c', key: 'k2', log: '/l', builtAt: '', files: [file('utils_1_all.deb'), file('py_1_all.deb')] },
  ],
};

test('sources key: the sources\' keys in order; another commit or order is another key', (t) => {
  t.regex(sourcesKey(['k1', 'k2']), /^[0-9a-f]{64}$/);
  t.is(sourcesKey(['k1', 'k2']), sourcesKey(['k1', 'k2']));
  t.not(sourcesKey(['k1', 'k2']), sourcesKey(['k2', 'k1']));
  t.not(sourcesKey(['k1', 'k2']), sourcesKey(['k1', 'k3']));
});

test('packages present: every key in the manifest and every recorded file there; else the registry is asked', (t) => {
  const all = () => true;
  t.true(packagesPresent(manifest, ['k1', 'k2'], all));
  t.false(packagesPresent(null, ['k1'], all), 'no manifest (a fresh work folder)');
  t.false(packagesPresent(manifest, ['k1', 'k3'], all), 'a source changed');
  t.false(packagesPresent(manifest, ['k1', 'k2'], (f) => f !== 'py_1_all.deb'), 'a file is missing');
});

test('manifest from labels: only one covering exactly these sources', (t) => {
  const labels = { [PACKAGES_MANIFEST_LABEL]: JSON.stringify(manifest) };
  t.deepEqual(manifestFromLabels(labels, ['k1', 'k2']), manifest);
  t.is(manifestFromLabels(labels, ['k1']), null, 'more sources than asked for');
  t.is(manifestFromLabels(labels, ['k1', 'k3']), null);
  t.is(manifestFromLabels({}, ['k1', 'k2']), null);
  t.is(manifestFromLabels({ [PACKAGES_MANIFEST_LABEL]: '{' }, ['k1', 'k2']), null);
});
