import * as fs from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import { LABELS } from '../../lib/docker/labels';
import { contextTar, listContext, stageContext } from '../../lib/images/context';
import { ANSIBLE_IN_CONTEXT, buildArgsFor, familyImages, standardBuildArgs } from '../../lib/images/family';
import { argHashes, contextHash, type ImageInputs, inputHash, packageHashes, parseInputsLabel, WHOLE_INDEX } from '../../lib/images/inputs';
import { familyLabels, INPUTS_LABEL, OCI } from '../../lib/images/labels';
import { changedInputs, decide, packagesOutrunCache } from '../../lib/images/skip';
import { tempDir } from '../helpers/temp';

const inputs = (over: Partial<ImageInputs> = {}): ImageInputs => ({
  dockerfile: 'd1',
  context: 'c1',
  args: { PACKAGES: 'p1', OS: 'o1' },
  parents: { 'contrail-base-debian12:1': 'sha256:aaa' },
  packages: { 'contrail-control': 'h1', 'contrail-dns': 'h2' },
  ...over,
});

const labelled = (i: ImageInputs) => ({
  id: 'sha256:old',
  labels: familyLabels({ component: 'controller', os: 'debian12', version: '1', inputs: i, revision: 'abc', created: new Date(0) }),
});

test('package hashes: only the packages an image installs; the whole index when one has no hash', (t) => {
  const repo = { indexHash: 'f'.repeat(64), packages: { a: '1'.repeat(64), b: '2'.repeat(64), c: '3'.repeat(64) } };
  t.deepEqual(packageHashes(['a', 'b'], repo), { a: '1'.repeat(16), b: '2'.repeat(16) });
  t.deepEqual(packageHashes(['a', 'supervisor'], repo), { a: '1'.repeat(16), [WHOLE_INDEX]: 'f'.repeat(16) });
  t.deepEqual(packageHashes([], repo), {});
  t.deepEqual(packageHashes(['a'], { indexHash: 'e'.repeat(64), packages: {} }), { [WHOLE_INDEX]: 'e'.repeat(16) });
});

test('build arguments: where the repo is served from is not an input; values are hashed, not kept', (t) => {
  const a = argHashes({ CONTRAIL_REPO_URL: 'http://127.0.0.1:1567', CONTRAIL_REPO_HOST: '127.0.0.1', PACKAGES: 'x y', SECRET: 'hunter2' });
  t.deepEqual(Object.keys(a).sort(), ['PACKAGES', 'SECRET']);
  t.notRegex(JSON.stringify(a), /hunter2/);
  t.not(argHashes({ PACKAGES: 'x' }).PACKAGES, argHashes({ PACKAGES: 'x y' }).PACKAGES);
});

test('context hash: order-independent; content, path and executable bit count', (t) => {
  const f = [{ path: 'a', executable: false, sha256: '1' }, { path: 'b/c', executable: true, sha256: '2' }];
  t.is(contextHash(f), contextHash([...f].reverse()));
  t.not(contextHash(f), contextHash([f[0], { ...f[1], executable: false }]));
  t.not(contextHash(f), contextHash([f[0], { ...f[1], sha256: '3' }]));
  t.not(contextHash(f), contextHash([f[0], { ...f[1], path: 'b/d' }]));
});

test('skip when the tag carries the same input hash; build otherwise, saying which input changed', (t) => {
  const now = inputs();
  t.deepEqual(decide(labelled(now), now, { noCache: false }), { build: false, reason: `up to date (input hash ${inputHash(now).slice(0, 12)})` });
  t.deepEqual(decide(labelled(now), now, { noCache: true }), { build: true, reason: 'forced by --no-cache' });
  t.deepEqual(decide(null, now, { noCache: false }), { build: true, reason: 'not built yet' });
  t.regex(decide({ id: 'x', labels: {} }, now, { noCache: false }).reason, /not made by this pipeline/);
  const cases: [Partial<ImageInputs>, string][] = [
    [{ dockerfile: 'd2' }, 'Dockerfile changed'],
    [{ context: 'c2' }, 'build context files changed'],
    [{ args: { PACKAGES: 'p2', OS: 'o1' } }, 'build argument PACKAGES changed'],
    [{ args: { PACKAGES: 'p1' } }, 'build argument OS removed'],
    [{ parents: { 'contrail-base-debian12:1': 'sha256:bbb' } }, 'parent contrail-base-debian12:1 changed'],
    [{ packages: { 'contrail-control': 'h9', 'contrail-dns': 'h2' } }, 'package contrail-control changed'],
    [{ packages: { 'contrail-control': 'h1', 'contrail-dns': 'h2', [WHOLE_INDEX]: 'i' } }, 'package index of the contrail repo added'],
    [{ ansible: 'new' }, 'contrail-ansible artifact changed'],
  ];
  for (const [over, reason] of cases) {
    t.deepEqual(decide(labelled(now), inputs(over), { noCache: false }), { build: true, reason }, reason);
  }
  t.deepEqual(changedInputs(now, inputs({ dockerfile: 'x', packages: {} })), ['Dockerfile changed', 'package contrail-control removed', 'package contrail-dns removed']);
  // an image whose breakdown label is gone still rebuilds, with a plain reason
  const bare = labelled(now);
  delete bare.labels[INPUTS_LABEL];
  t.deepEqual(decide(bare, inputs({ dockerfile: 'x' }), { noCache: false }), { build: true, reason: 'inputs changed' });
});

test('labels: OCI annotations and ours', (t) => {
  const i = inputs({ ansible: 'a'.repeat(64) });
  const l = familyLabels({ component: 'base', os: 'debian12', version: '4.0.0.0-20', inputs: i, revision: 'c0ffee', created: new Date('2026-01-02T03:04:05Z') });
  t.is(l[OCI.version], '4.0.0.0-20');
  t.is(l[OCI.title], 'contrail-base-debian12');
  t.is(l[OCI.revision], 'c0ffee');
  t.is(l[OCI.created], '2026-01-02T03:04:05.000Z');
  t.is(l[LABELS.project], 'contrail-docker');
  t.is(l[LABELS.role], 'family');
  t.is(l[LABELS.component], 'base');
  t.is(l[LABELS.os], 'debian12');
  t.is(l[LABELS.version], '4.0.0.0-20');
  t.is(l[LABELS.inputHash], inputHash(i));
  t.deepEqual(parseInputsLabel(l[INPUTS_LABEL]), i);
  t.is(parseInputsLabel('not json'), null);
  t.is(parseInputsLabel(undefined), null);
});

test('build arguments: those a Dockerfile declares, then the config\'s own', (t) => {
  const recipe = { packages: ['a', 'b'], dockerfile: '/x/controller/Dockerfile', buildArgs: { HTTP_PROXY: 'p', OS: 'other' } };
  const std = standardBuildArgs('controller', recipe, { version: '1', os: 'debian12', baseImage: 'debian:bookworm', repo: { url: 'http://127.0.0.1:1567', host: '127.0.0.1', priority: 1001 } });
  t.is(std.PACKAGES, 'a b');
  t.is(std.CONTRAIL_REPO_PRIORITY, '1001');
  t.deepEqual(buildArgsFor(['OS', 'PACKAGES', 'UNKNOWN'], std, recipe.buildArgs), { OS: 'other', PACKAGES: 'a b', HTTP_PROXY: 'p' });
});

test('family images: names, contexts, and the ansible artifact in contrail-base only', (t) => {
  const images = familyImages({
    base: { packages: [], dockerfile: '/d/base/Dockerfile', buildArgs: {} },
    lb: { packages: [], dockerfile: '/e/lb/Dockerfile.custom', buildArgs: {} },
  }, 'debian12', '1', '/w/artifacts/contrail-ansible-1.tar.gz');
  t.deepEqual(images.map((i) => [i.ref, i.contextDir, i.dockerfileName]), [
    ['contrail-base-debian12:1', '/d/base', 'Dockerfile'],
    ['contrail-lb-debian12:1', '/e/lb', 'Dockerfile.custom'],
  ]);
  t.deepEqual(images[0].extra, { [ANSIBLE_IN_CONTEXT]: '/w/artifacts/contrail-ansible-1.tar.gz' });
  t.deepEqual(images[1].extra, {});
});

test('a staged context holds the folder and the generated files; the tar holds exactly them', async (t) => {
  const src = tempDir();
  fs.mkdirSync(path.join(src, 'sub'));
  fs.writeFileSync(path.join(src, 'Dockerfile'), 'FROM x\n');
  fs.writeFileSync(path.join(src, 'sub', 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
  fs.symlinkSync('run.sh', path.join(src, 'sub', 'link'));
  const artifact = path.join(tempDir(), 'a.tar.gz');
  fs.writeFileSync(artifact, 'artifact');
  const stage = path.join(tempDir(), 'ctx');
  fs.mkdirSync(stage);
  fs.writeFileSync(path.join(stage, 'stale'), 'from an earlier run');
  const staged = await stageContext(src, stage, { 'extra.tar.gz': artifact });
  t.deepEqual(staged.files.map((f) => [f.path, f.executable]), [
    ['Dockerfile', false], ['extra.tar.gz', false], ['sub/link', false], ['sub/run.sh', true],
  ]);
  t.is(staged.files.find((f) => f.path === 'sub/link')!.sha256, 'link:run.sh');
  // the source folder is left as it was
  t.deepEqual((await listContext(src)).map((f) => f.path), ['Dockerfile', 'sub/link', 'sub/run.sh']);
  const tar = await import('tar');
  const names: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const parser = new tar.Parser({ onReadEntry: (e: any) => { names.push(e.path); e.resume(); } } as any);
    parser.on('end', () => resolve()).on('error', reject);
    (contextTar(staged) as any).pipe(parser);
  });
  t.deepEqual(names.sort(), ['Dockerfile', 'extra.tar.gz', 'sub/link', 'sub/run.sh']);
});

test('the layer cache is bypassed when the packages an image installs changed, not for other changes', (t) => {
  const now = inputs();
  t.false(packagesOutrunCache(null, now), 'nothing built yet: no cached layer of ours to trust or doubt');
  t.false(packagesOutrunCache(labelled(now), now));
  t.false(packagesOutrunCache(labelled(inputs({ dockerfile: 'd0', parents: { 'contrail-base-debian12:1': 'sha256:bbb' } })), now));
  t.true(packagesOutrunCache(labelled(inputs({ packages: { 'contrail-control': 'h0', 'contrail-dns': 'h2' } })), now));
  t.true(packagesOutrunCache(labelled(inputs({ packages: { 'contrail-control': 'h1' } })), now));
  t.true(packagesOutrunCache({ id: 'sha256:x', labels: {} }, now), 'an image that does not say what it installed');
  t.false(packagesOutrunCache(labelled(inputs({ packages: { a: '1' } })), inputs({ packages: {} })), 'installs nothing now');
});
