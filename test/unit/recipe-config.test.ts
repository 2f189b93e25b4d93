import * as fs from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import { resolveConfig } from '../../lib/config/load';
import { PipelineError } from '../../lib/errors';
import { exitCodeFor } from '../../lib/exit';
import { binaryKey } from '../../lib/packages/aptKey';
import { buildDepsControl } from '../../lib/packages/buildDepsControl';
import { recipeHash } from '../../lib/packages/recipeSource';
import { stepEnvironment } from '../../lib/packages/recipeBuild';
import type { RecipeSource } from '../../lib/config/types';
import { tempDir, writeJson } from '../helpers/temp';

const recipe = {
  name: 'contrail',
  manifest: { url: 'https://github.com/Juniper/contrail-vnc', ref: 'R4.0', file: 'default.xml' },
  steps: ['python third_party/fetch_packages.py'],
  outputs: ['build/packages/*.deb'],
  buildDepends: ['tools/packages/debian/contrail/debian/control'],
};

function configOf(source: Record<string, unknown>, builder?: Record<string, unknown>) {
  const dir = tempDir();
  const file = writeJson(path.join(dir, 'conf', 'build.json'), { version: '15.0.0-9', packages: { build: { sources: [source], ...(builder ? { builder } : {}) } } });
  return { dir, config: () => resolveConfig({ args: ['--config', file], env: {}, cwd: dir }) };
}

function bad(t: any, source: Record<string, unknown>, pattern: RegExp, builder?: Record<string, unknown>) {
  const err = t.throws(() => configOf(source, builder).config(), { instanceOf: PipelineError }) as PipelineError;
  t.regex(err.toString(), pattern);
  t.is(exitCodeFor(err), 2);
}

test('a recipe source and the builder extras resolve; relative paths against the config file', (t) => {
  const { dir, config } = configOf({ ...recipe, manifest: { url: './git/contrail-vnc', ref: 'R4.0' }, remotes: { github: './mirror' } },
    { packages: ['scons'], aptSources: [{ line: 'deb http://127.0.0.1:21501/ppa xenial main', key: 'keys/ppa.asc' }] });
  const c = config();
  const s = c.packages.build.sources[0] as RecipeSource;
  t.is(s.manifest.url, path.join(dir, 'conf', 'git', 'contrail-vnc'));
  t.is(s.manifest.file, 'default.xml');
  t.deepEqual(s.remotes, { github: path.join(dir, 'conf', 'mirror') });
  t.deepEqual(c.packages.build.builder, { packages: ['scons'], aptSources: [{ line: 'deb http://127.0.0.1:21501/ppa xenial main', key: path.join(dir, 'conf', 'keys', 'ppa.asc') }] });
});

test('bad recipe sources: exit 2 naming the config key', (t) => {
  bad(t, { ...recipe, steps: ['make', 3] }, /packages\.build\.sources\[0\]\.steps\[1\] .*must be a string/);
  bad(t, { ...recipe, steps: [] }, /packages\.build\.sources\[0\]\.steps/);
  bad(t, { ...recipe, outputs: undefined }, /has "manifest" but no "outputs"/);
  bad(t, { ...recipe, steps: undefined }, /has "manifest" but no "steps"/);
  bad(t, { ...recipe, outputs: ['../elsewhere/*.deb'] }, /outputs\[0\] "\.\.\/elsewhere\/\*\.deb" must be a relative path inside the sandbox/);
  bad(t, { ...recipe, buildDepends: ['/etc/control'] }, /buildDepends\[0\] "\/etc\/control" must be a relative path inside the sandbox/);
  bad(t, { ...recipe, manifest: { url: '--upload-pack=x', ref: 'R4.0' } }, /manifest\.url "--upload-pack=x" starts with '-'/);
  bad(t, { ...recipe, manifest: { url: recipe.manifest.url, ref: '-R4.0' } }, /manifest\.ref "-R4\.0" starts with '-'/);
  bad(t, { ...recipe, manifest: { url: recipe.manifest.url, ref: 'R4.0', file: '../x.xml' } }, /manifest\.file .*must be a relative path ending in \.xml/);
  bad(t, { ...recipe, manifest: { url: recipe.manifest.url } }, /manifest\.ref is required/);
  bad(t, { ...recipe, remotes: { github: 'ext::sh -c x' } }, /remotes\.github "ext::sh -c x"/);
  bad(t, { ...recipe, git: 'https://h/x' }, /"git" does not go with "manifest"/);
  bad(t, { name: 'a', path: '/x', steps: ['make'] }, /"steps" goes with "manifest"/);
  bad(t, recipe, /packages\.build\.builder\.packages\[0\] .*must be a Debian package name/, { packages: ['Not A Package'] });
  bad(t, recipe, /aptSources\[0\]\.line .*must be a one-line apt source/, { aptSources: [{ line: 'deb-src http://h/ppa xenial main', key: 'k' }] });
  bad(t, recipe, /aptSources\[0\]\.key is required/, { aptSources: [{ line: 'deb http://h/ppa xenial main' }] });
});

test('the builder key: armored or binary in, binary out; anything else is named', (t) => {
  const binary = Buffer.from([0x99, 0x01, 0x0d, 0x04, 0x55]);
  const armored = Buffer.from(`-----BEGIN PGP PUBLIC KEY BLOCK-----\nComment: x\n\n${binary.toString('base64')}\n=abcd\n-----END PGP PUBLIC KEY BLOCK-----\n`);
  t.deepEqual(binaryKey(armored, 'k'), binary);
  t.deepEqual(binaryKey(binary, 'k'), binary);
  t.throws(() => binaryKey(Buffer.from('not a key'), 'packages.build.builder.aptSources[0].key "k"'), { message: /aptSources\[0\]\.key "k" is not an OpenPGP public key/ });
});

test('the recipe key changes with the steps, the builder extras and the key file; steps see version, OS, series and jobs', (t) => {
  const dir = tempDir();
  const key = path.join(dir, 'k.gpg');
  fs.writeFileSync(key, Buffer.from([0x99, 0x01, 0x0d]));
  const s = { ...recipe, remotes: {} } as RecipeSource;
  const builder = { packages: [], aptSources: [{ line: 'deb http://h/ppa xenial main', key }] };
  const h = recipeHash(s, builder, '4.0', 'ubuntu16.04');
  t.is(recipeHash(s, builder, '4.0', 'ubuntu16.04'), h);
  t.not(recipeHash({ ...s, steps: ['make'] }, builder, '4.0', 'ubuntu16.04'), h);
  t.not(recipeHash(s, { ...builder, packages: ['scons'] }, '4.0', 'ubuntu16.04'), h);
  t.not(recipeHash(s, builder, '4.1', 'ubuntu16.04'), h);
  fs.writeFileSync(key, Buffer.from([0x99, 0x01, 0x0e]));
  t.not(recipeHash(s, builder, '4.0', 'ubuntu16.04'), h);
  fs.rmSync(key);
  t.throws(() => recipeHash(s, builder, '4.0', 'ubuntu16.04'), { message: /aptSources\[0\]\.key ".*k\.gpg" cannot be read \(ENOENT\)/ });
  t.deepEqual(stepEnvironment({ version: '4.0.0.0-20', os: 'ubuntu16.04', jobs: 2 }, 'xenial').slice(-4), ['CONTRAIL_VERSION=4.0.0.0-20', 'OS=ubuntu16.04', 'SERIES=xenial', 'JOBS=2']);
});

test("the real contrail control's Build-Depends: relations kept with versions, packages.make's placeholder left out", (t) => {
  const text = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'contrail-packages-R4.0', 'contrail.control'), 'utf8');
  const { control, dropped } = buildDepsControl(text, 'contrail-build-deps-0');
  t.deepEqual(dropped, ['BUILDDEP_SERIES']);
  const deps = /^Build-Depends: (.*)$/m.exec(control)![1].split(', ');
  t.true(deps.includes('librdkafka-dev (>= 0.9.0)'));
  t.true(deps.includes('scons (>= 2.1.0)'));
  t.true(deps.includes('cassandra-cpp-driver-dev'));
  t.is(deps.length, 30);
  t.regex(control, /^Source: contrail-build-deps-0$/m);
  t.deepEqual(buildDepsControl('Source: x\nBuild-Depends: aa | bb (>= 1), ${misc:Depends}, cc [amd64]\n', 'y').dropped, ['${misc:Depends}']);
});
