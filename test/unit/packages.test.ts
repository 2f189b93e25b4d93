import * as fs from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import { resolveConfig } from '../../lib/config/load';
import { isPipelineError } from '../../lib/errors';
import { pinHost, preferences, repoUrl, sourceLine } from '../../lib/packages/aptSource';
import {
  decideSkip, describeOutputs, emptyManifest, fileClash, missingExpected, parseManifest, sourceKey, updateManifest,
  type ManifestSource,
} from '../../lib/packages/buildPlan';
import { flattenFiles, packageSetId } from '../../lib/packages/collect';
import { DEB_FAMILY } from '../../lib/packages/debFamily';
import { debFileProblem, debProblem, parseDebFileName } from '../../lib/packages/debFile';
import { debianArch, indexLocations } from '../../lib/packages/existingRepo';
import { choosePackagesInput, parseRepoLocation, type PathKind } from '../../lib/packages/inputs';
import { parsePackagesIndex, parseStanzas, summarizeIndex } from '../../lib/packages/packagesIndex';
import { isDebEntry, tarEntryProblem } from '../../lib/packages/tarRules';
import { makeDeb } from '../helpers/deb';
import { tempDir } from '../helpers/temp';

const ROOT = path.resolve(__dirname, '..', '..');

// ---- apt source and pin

test('repo URL: IPv4, host name and IPv6 (in brackets)', (t) => {
  t.is(repoUrl('127.0.0.1', 1567), 'http://127.0.0.1:1567');
  t.is(repoUrl('localhost', 18100), 'http://localhost:18100');
  t.is(repoUrl('::1', 18100), 'http://[::1]:18100');
  t.is(repoUrl('[::1]', 18100), 'http://[::1]:18100');
});

test('pin host: what apt calls the origin, for every kind of host', (t) => {
  t.is(pinHost('http://127.0.0.1:1567'), '127.0.0.1');
  t.is(pinHost('http://localhost:18100'), 'localhost');
  t.is(pinHost('http://[::1]:18100'), '::1');
  t.is(pinHost('https://repo.example.org/contrail/'), 'repo.example.org');
  t.is(pinHost('http://10.84.5.100:1567'), '10.84.5.100');
});

test('source line and preferences', (t) => {
  t.is(sourceLine('http://127.0.0.1:1567'), 'deb [trusted=yes] http://127.0.0.1:1567 ./');
  t.is(sourceLine('http://[::1]:1567/'), 'deb [trusted=yes] http://[::1]:1567 ./');
  t.is(sourceLine('http://h/debian', 'bookworm main'), 'deb [trusted=yes] http://h/debian bookworm main');
  t.is(preferences('::1', 1001), 'Package: *\nPin: origin "::1"\nPin-Priority: 1001\n');
});

test('contrail-install writes the same source line and pin as the generators', (t) => {
  const script = fs.readFileSync(path.join(ROOT, 'dockerfiles', 'base', 'contrail-install'), 'utf8');
  t.true(script.startsWith('#!/bin/sh\n'), 'a POSIX shell script');
  t.regex(script, /echo "deb \[trusted=yes\] \$CONTRAIL_REPO_URL \$dist"/);
  t.regex(script, /echo "deb \[signed-by=\$keyring\] \$CONTRAIL_REPO_URL \$dist"/);
  t.is(sourceLine('http://h/debian', 'bookworm main', '/etc/apt/keyrings/contrail-repo.gpg'), 'deb [signed-by=/etc/apt/keyrings/contrail-repo.gpg] http://h/debian bookworm main');
  t.regex(script, /printf 'Package: \*\\nPin: origin "%s"\\nPin-Priority: %s\\n' "\$CONTRAIL_REPO_HOST" "\$priority"/);
  t.regex(script, /--no-install-recommends/);
  t.notRegex(script, /\|\| *true/, 'never hides a failed install');
  t.is(fs.statSync(path.join(ROOT, 'dockerfiles', 'base', 'contrail-install')).mode & 0o111, 0o111);
});

// ---- Packages index

const INDEX = `Package: contrail-lib
Version: 4.0.0.0-20
Architecture: amd64
Filename: ./contrail-lib_4.0.0.0-20_amd64.deb
SHA256: aaa
Description: Contrail library
 with a long description
 .
 over lines

Package: contrail-control
Version: 4.0.0.0-20
Architecture: amd64
Filename: ./contrail-control_4.0.0.0-20_amd64.deb
SHA256: bbb
`;

test('Packages index: stanzas with continuation lines', (t) => {
  const stanzas = parseStanzas(INDEX);
  t.is(stanzas.length, 2);
  t.is(stanzas[0].Description, 'Contrail library\nwith a long description\n.\nover lines');
  const entries = parsePackagesIndex(INDEX);
  t.deepEqual(entries.map((e) => [e.package, e.version, e.sha256]), [['contrail-lib', '4.0.0.0-20', 'aaa'], ['contrail-control', '4.0.0.0-20', 'bbb']]);
});

test('Packages index: per-package hashes change only with that package', (t) => {
  const a = summarizeIndex(INDEX);
  const b = summarizeIndex(INDEX.replace('SHA256: bbb', 'SHA256: ccc'));
  t.deepEqual(Object.keys(a.packages), ['contrail-control', 'contrail-lib']);
  t.is(a.packages['contrail-lib'], b.packages['contrail-lib']);
  t.not(a.packages['contrail-control'], b.packages['contrail-control']);
  t.not(a.indexHash, b.indexHash);
  // description edits do not matter to images; a new version does
  t.is(summarizeIndex(INDEX.replace('over lines', 'other')).packages['contrail-lib'], a.packages['contrail-lib']);
  t.not(summarizeIndex(INDEX.replace('Version: 4.0.0.0-20\nArchitecture: amd64\nFilename: ./contrail-lib', 'Version: 4.0.0.0-21\nArchitecture: amd64\nFilename: ./contrail-lib')).packages['contrail-lib'], a.packages['contrail-lib']);
});

// ---- .deb files

test('deb check: a real package passes, others are named', (t) => {
  const dir = tempDir();
  const good = path.join(dir, 'good.deb');
  fs.writeFileSync(good, makeDeb({ package: 'x', version: '1' }));
  t.is(debFileProblem(good), null);
  const text = path.join(dir, 'text.deb');
  fs.writeFileSync(text, 'not a package\n');
  t.regex(debFileProblem(text)!, /not an ar archive/);
  const empty = path.join(dir, 'empty.deb');
  fs.writeFileSync(empty, '');
  t.regex(debFileProblem(empty)!, /not an ar archive/);
  const truncated = path.join(dir, 'truncated.deb');
  fs.writeFileSync(truncated, fs.readFileSync(good).subarray(0, 100));
  t.truthy(debFileProblem(truncated));
  // an ar archive that is not a .deb (a static library)
  const lib = Buffer.concat([Buffer.from('!<arch>\n'), Buffer.from('foo.o/          0           0     0     100644  4         `\n'), Buffer.from('abcd')]);
  t.regex(debProblem((o, l) => lib.subarray(o, o + l), lib.length)!, /first member is not debian-binary/);
});

test('deb file names', (t) => {
  t.deepEqual(parseDebFileName('/x/contrail-lib-dev_4.0.0.0-20_amd64.deb'), { package: 'contrail-lib-dev', version: '4.0.0.0-20', architecture: 'amd64' });
  t.deepEqual(parseDebFileName('python-contrail_4.0.0.0-20_all.deb'), { package: 'python-contrail', version: '4.0.0.0-20', architecture: 'all' });
  t.is(parseDebFileName('README'), null);
});

// ---- tar entries

test('tar entries: only plain files and folders with relative paths', (t) => {
  t.is(tarEntryProblem({ path: 'pkgs/a.deb', type: 'File' }), null);
  t.is(tarEntryProblem({ path: 'pkgs/', type: 'Directory' }), null);
  t.regex(tarEntryProblem({ path: '/etc/passwd', type: 'File' })!, /absolute/);
  t.regex(tarEntryProblem({ path: 'C:/x.deb', type: 'File' })!, /absolute/);
  t.regex(tarEntryProblem({ path: 'a/../../x.deb', type: 'File' })!, /'\.\.'/);
  t.regex(tarEntryProblem({ path: '..', type: 'Directory' })!, /'\.\.'/);
  t.regex(tarEntryProblem({ path: 'a\\..\\..\\x', type: 'File' })!, /'\.\.'/);
  t.regex(tarEntryProblem({ path: 'link.deb', type: 'SymbolicLink' })!, /symbolic link/);
  t.regex(tarEntryProblem({ path: 'hard.deb', type: 'Link' })!, /hard link/);
  t.regex(tarEntryProblem({ path: 'null', type: 'CharacterDevice' })!, /device/);
  t.regex(tarEntryProblem({ path: 'sda', type: 'BlockDevice' })!, /device/);
  t.regex(tarEntryProblem({ path: 'pipe', type: 'FIFO' })!, /FIFO/);
  t.true(isDebEntry({ path: 'a/b.deb', type: 'File' }));
  t.false(isDebEntry({ path: 'a/b.deb.txt', type: 'File' }));
  t.false(isDebEntry({ path: 'a.deb', type: 'Directory' }));
});

// ---- where the packages come from

const packages = (p: Partial<{ tar: string; dir: string; url: string; sources: number }> = {}) => ({
  tar: p.tar ?? null,
  dir: p.dir ?? null,
  url: p.url ?? null,
  build: { sources: Array.from({ length: p.sources ?? 0 }, (_, i) => ({ name: `s${i}`, path: `/src/s${i}` })), expect: [], builder: { packages: [], aptSources: [] } },
});
const fsOf = (entries: Record<string, PathKind>) => (p: string): PathKind => entries[p] ?? 'missing';

test('inputs: url, then tar, then dir, then the sources', (t) => {
  const all = packages({ url: 'http://127.0.0.1:9/', tar: '/p.tgz', dir: '/debs', sources: 1 });
  t.deepEqual(choosePackagesInput(all, fsOf({ '/p.tgz': 'file', '/debs': 'dir' })).input, { kind: 'url', url: 'http://127.0.0.1:9', distribution: './' });
  t.deepEqual(choosePackagesInput({ ...all, url: null }, fsOf({ '/p.tgz': 'file', '/debs': 'dir' })).input, { kind: 'tar', location: '/p.tgz', remote: false });
  t.deepEqual(choosePackagesInput({ ...all, url: null, tar: 'https://h/p.tgz' }, fsOf({})).input, { kind: 'tar', location: 'https://h/p.tgz', remote: true });
  t.deepEqual(choosePackagesInput({ ...all, url: null, tar: null }, fsOf({ '/debs': 'dir' })).input, { kind: 'dir', dir: '/debs' });
  t.deepEqual(choosePackagesInput(packages({ sources: 2 }), fsOf({})).input, { kind: 'build' });
});

test('inputs: a tarball or folder that does not exist falls through to the sources, with a note', (t) => {
  const c = choosePackagesInput(packages({ tar: '/nope.tgz', dir: '/nodir', sources: 1 }), fsOf({}));
  t.deepEqual(c.input, { kind: 'build' });
  t.is(c.notes.length, 2);
  t.regex(c.notes[0], /packages\.tar .*"\/nope\.tgz" does not exist/);
  // a missing tar with an existing folder: the folder
  t.deepEqual(choosePackagesInput(packages({ tar: '/nope.tgz', dir: '/debs' }), fsOf({ '/debs': 'dir' })).input, { kind: 'dir', dir: '/debs' });
});

test('inputs: missing with nothing to fall back to, or the wrong kind of path, is an input error', (t) => {
  const missing = t.throws(() => choosePackagesInput(packages({ tar: '/nope.tgz' }), fsOf({})));
  t.true(isPipelineError(missing) && missing.kind === 'input');
  t.regex(missing!.message, /"\/nope\.tgz" does not exist, and no packages\.build\.sources are configured/);
  t.regex(t.throws(() => choosePackagesInput(packages({ dir: '/nodir' }), fsOf({})))!.message, /packages\.dir .*"\/nodir" does not exist/);
  t.regex(t.throws(() => choosePackagesInput(packages({ tar: '/debs' }), fsOf({ '/debs': 'dir' })))!.message, /is a folder, not a tarball/);
  t.regex(t.throws(() => choosePackagesInput(packages({ dir: '/p.tgz' }), fsOf({ '/p.tgz': 'file' })))!.message, /is a file, not a folder/);
  const none = t.throws(() => choosePackagesInput(packages(), fsOf({})));
  t.regex(none!.message, /no Contrail packages are given/);
});

test('inputs: packages.url, flat or a suite', (t) => {
  t.deepEqual(parseRepoLocation('http://127.0.0.1:1567/'), { url: 'http://127.0.0.1:1567', distribution: './' });
  t.deepEqual(parseRepoLocation('http://h/debian bookworm main contrib'), { url: 'http://h/debian', distribution: 'bookworm main contrib' });
  t.regex(t.throws(() => parseRepoLocation('http://h/debian bookworm'))!.message, /names suite "bookworm" without a component/);
  t.regex(t.throws(() => parseRepoLocation('ftp://h/debian'))!.message, /not an http\(s\) URL/);
  t.regex(t.throws(() => parseRepoLocation('http://'))!.message, /is not a URL/);
  t.deepEqual(indexLocations('http://h:1', './', 'amd64'), [['http://h:1/Packages.gz', 'http://h:1/Packages']]);
  t.deepEqual(indexLocations('http://h/debian', 'bookworm main contrib', 'arm64'), [
    ['http://h/debian/dists/bookworm/main/binary-arm64/Packages.gz', 'http://h/debian/dists/bookworm/main/binary-arm64/Packages'],
    ['http://h/debian/dists/bookworm/contrib/binary-arm64/Packages.gz', 'http://h/debian/dists/bookworm/contrib/binary-arm64/Packages'],
  ]);
  t.is(debianArch('amd64'), 'amd64');
  t.is(debianArch('arm'), 'armhf');
  t.is(debianArch('ppc64le'), 'ppc64el');
});

test('inputs: the schema accepts packages.url with a suite', (t) => {
  const c = resolveConfig({ args: ['--contrail-version', 't', '--packages-url', 'http://127.0.0.1:18199'], env: {}, cwd: tempDir() });
  t.is(c.packages.url, 'http://127.0.0.1:18199');
  const s = resolveConfig({ args: ['--contrail-version', 't', '--packages-trusted'], env: { CONTRAIL_REPO_URL: 'http://h/debian bookworm main' }, cwd: tempDir() });
  t.is(s.packages.url, 'http://h/debian bookworm main');
});

// ---- the package set

test('flattening: one name once; the same name with other content is an error', (t) => {
  const flat = flattenFiles([{ file: '/a/x_1_all.deb', sha256: '1' }, { file: '/b/x_1_all.deb', sha256: '1' }, { file: '/b/y_1_all.deb', sha256: '2' }], 'test');
  t.deepEqual(flat.map((d) => d.name), ['x_1_all.deb', 'y_1_all.deb']);
  const e = t.throws(() => flattenFiles([{ file: '/a/x_1_all.deb', sha256: '1' }, { file: '/b/x_1_all.deb', sha256: '2' }], 'packages.tar "p.tgz"'));
  t.regex(e!.message, /packages\.tar "p\.tgz" holds two different files named "x_1_all\.deb": \/a\/x_1_all\.deb and \/b\/x_1_all\.deb/);
  t.is(packageSetId([{ name: 'a', sha256: '1' }]), packageSetId([{ name: 'a', sha256: '1' }]));
  t.not(packageSetId([{ name: 'a', sha256: '1' }]), packageSetId([{ name: 'a', sha256: '2' }]));
});

// ---- build plan

const entry = (name: string, key: string, files: [string, string][]): ManifestSource => ({
  name, path: `/src/${name}`, commit: null, revision: 'r', key, log: `/logs/package-${name}.log`, builtAt: '2017-11-06T00:00:00Z',
  files: describeOutputs(files.map(([file, sha256]) => ({ file, sha256 })), DEB_FAMILY),
});

test('skip: same key and the recorded files present and intact', (t) => {
  const e = entry('contrail-lib', 'K', [['contrail-lib_1_amd64.deb', 'h1'], ['contrail-lib-dev_1_amd64.deb', 'h2']]);
  const present = (m: Record<string, string>) => (f: string) => m[f] ?? null;
  const both = { 'contrail-lib_1_amd64.deb': 'h1', 'contrail-lib-dev_1_amd64.deb': 'h2' };
  t.deepEqual(decideSkip(e, 'K', present(both)), { skip: true, reason: 'unchanged' });
  t.false(decideSkip(undefined, 'K', present(both)).skip);
  t.regex(decideSkip(e, 'K2', present(both)).reason, /revision or the build recipe changed/);
  t.regex(decideSkip(e, 'K', present({ 'contrail-lib_1_amd64.deb': 'h1' })).reason, /contrail-lib-dev_1_amd64\.deb is missing/);
  t.regex(decideSkip(e, 'K', present({ ...both, 'contrail-lib_1_amd64.deb': 'other' })).reason, /was changed/);
});

test('source key: name, revision, subdir and recipe', (t) => {
  const k = { name: 'a', revision: 'c1', recipe: 'r1' };
  t.is(sourceKey(k), sourceKey({ ...k }));
  t.not(sourceKey(k), sourceKey({ ...k, revision: 'c2' }));
  t.not(sourceKey(k), sourceKey({ ...k, recipe: 'r2' }));
  t.not(sourceKey(k), sourceKey({ ...k, subdir: 'pkg' }));
  t.is(sourceKey(k), sourceKey({ ...k, subdir: '' }));
});

test('manifest: unreadable or of another format means rebuild everything', (t) => {
  t.is(parseManifest(null), null);
  t.is(parseManifest('{not json'), null);
  t.is(parseManifest('{"format": 99, "sources": []}'), null);
  t.is(parseManifest('{"format": 1, "sources": [{"name": "a", "key": "k", "files": [{"file": "../x.deb", "sha256": "1"}]}]}'), null);
  const m = { ...emptyManifest('v', 'os'), sources: [entry('a', 'k', [['a_1_all.deb', '1']])] };
  t.deepEqual(parseManifest(JSON.stringify(m)), m);
});

test('manifest update: configured order, replaced outputs and dropped sources become stale', (t) => {
  let m = { ...emptyManifest('v', 'os'), sources: [entry('a', 'k', [['a_1_all.deb', '1']]), entry('gone', 'k', [['gone_1_all.deb', '1']])] };
  const r1 = updateManifest(m, entry('b', 'k', [['b_1_all.deb', '2']]), ['b', 'a']);
  t.deepEqual(r1.manifest.sources.map((s) => s.name), ['b', 'a']);
  t.deepEqual(r1.stale, ['gone_1_all.deb']);
  m = r1.manifest;
  const r2 = updateManifest(m, entry('a', 'k2', [['a_2_all.deb', '3']]), ['b', 'a']);
  t.deepEqual(r2.stale, ['a_1_all.deb']);
  t.deepEqual(updateManifest(r2.manifest, null, ['b', 'a']).stale, []);
});

test('expected packages: the missing ones, in order; clashing outputs', (t) => {
  t.deepEqual(missingExpected(['contrail-lib', 'contrail-dns', 'contrail-control'], ['contrail-lib']), ['contrail-dns', 'contrail-control']);
  t.deepEqual(missingExpected([], ['x']), []);
  t.deepEqual(fileClash([entry('a', 'k', [['x_1_all.deb', '1']]), entry('b', 'k', [['x_1_all.deb', '2']])]), { file: 'x_1_all.deb', first: 'a', second: 'b' });
  t.is(fileClash([entry('a', 'k', [['x_1_all.deb', '1']]), entry('b', 'k', [['y_1_all.deb', '2']])]), null);
});

// ---- the demo product's packages

test('the Debian source fixtures and the demo\'s plain source: real Debian source packages', (t) => {
  const config = resolveConfig({ args: ['--config', path.join(ROOT, 'examples', 'demo', 'config.json'), '--work-dir', tempDir()], env: {}, cwd: ROOT });
  const fixtures = path.join(ROOT, 'test', 'fixtures', 'packages');
  const dirs = [
    ...fs.readdirSync(fixtures).filter((d) => fs.statSync(path.join(fixtures, d)).isDirectory()).map((d) => path.join(fixtures, d)),
    ...config.packages.build.sources.filter((s) => 'path' in s).map((s) => (s as { path: string }).path),
  ];
  t.is(dirs.length, 10);
  const binaries: string[] = [];
  for (const dir of dirs) {
    const name = path.basename(dir);
    for (const f of ['debian/control', 'debian/rules', 'debian/changelog', 'debian/copyright', 'debian/source/format']) {
      t.true(fs.existsSync(path.join(dir, f)), `${name}: ${f}`);
    }
    t.is(fs.readFileSync(path.join(dir, 'debian/source/format'), 'utf8').trim(), '3.0 (native)');
    t.true((fs.statSync(path.join(dir, 'debian/rules')).mode & 0o111) !== 0, `${name}: debian/rules is executable`);
    const control = parseStanzas(fs.readFileSync(path.join(dir, 'debian/control'), 'utf8'));
    t.is(control[0].Source, name);
    t.regex(fs.readFileSync(path.join(dir, 'debian/changelog'), 'utf8'), new RegExp(`^${name} \\(`));
    if (dir.startsWith(fixtures)) binaries.push(...control.slice(1).map((c) => c.Package));
  }
  // the fixtures were the demo's sources: they make the sixteen packages the demo images install
  t.deepEqual([...binaries].sort(), [...config.packages.build.expect].sort());
});
