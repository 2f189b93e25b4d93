import * as fs from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import { diffFamilies, diffLines, sbomPackages } from '../../lib/sbom/diff';
import { sha256 } from '../../lib/hash';
import { runGulp } from '../helpers/gulp';
import { ROOT } from '../helpers/docker';
import { tempDir } from '../helpers/temp';

const pkg = (name: string, version: string, arch = 'amd64') => ({ name, version, arch });

test('diff: per image, packages added, removed and changed in version; images on one side only', (t) => {
  const from = new Map([
    ['contrail-controller-debian12', [pkg('bash', '5.2-1'), pkg('contrail-control', '4.0.0.0-20'), pkg('gone', '1')]],
    ['contrail-lb-debian12', [pkg('bash', '5.2-1')]],
    ['contrail-old-debian12', [pkg('bash', '5.2-1')]],
  ]);
  const to = new Map([
    ['contrail-controller-debian12', [pkg('bash', '5.2-1'), pkg('contrail-control', '4.0.0.0-21'), pkg('new', '2', 'all')]],
    ['contrail-lb-debian12', [pkg('bash', '5.2-1')]],
    ['contrail-new-debian12', []],
  ]);
  const d = diffFamilies(from, to);
  t.deepEqual(d.map((x) => [x.image, x.in]), [
    ['contrail-controller-debian12', 'both'], ['contrail-lb-debian12', 'both'], ['contrail-new-debian12', 'to'], ['contrail-old-debian12', 'from'],
  ]);
  t.deepEqual(d[0].added, [pkg('new', '2', 'all')]);
  t.deepEqual(d[0].removed, [pkg('gone', '1')]);
  t.deepEqual(d[0].changed, [{ name: 'contrail-control', arch: 'amd64', from: '4.0.0.0-20', to: '4.0.0.0-21' }]);
  t.deepEqual(diffLines(d, 'A', 'B'), [
    'SBOM diff A -> B',
    'contrail-controller-debian12: 1 added, 1 removed, 1 changed',
    '  + new 2 (all)',
    '  - gone 1 (amd64)',
    '  ~ contrail-control 4.0.0.0-20 -> 4.0.0.0-21 (amd64)',
    'contrail-lb-debian12: unchanged',
    'contrail-new-debian12: only in B',
    'contrail-old-debian12: only in A',
  ]);
});

test('sbomPackages reads deb and rpm purls back (name, version, arch), and nothing else', (t) => {
  const text = JSON.stringify({ components: [
    { purl: 'pkg:deb/debian/bash@5.2.15-2%2Bb7?arch=amd64&distro=debian-12' },
    { purl: 'pkg:rpm/rocky/perl-IO@1.43-481.el9?arch=noarch&distro=rocky-9.4&epoch=1' },
    { name: 'contrail-ansible' },
  ] });
  t.deepEqual(sbomPackages(text), [pkg('bash', '5.2.15-2+b7'), pkg('perl-IO', '1.43-481.el9', 'noarch')]);
});

/** A save folder with one image's SBOM, as save writes it. */
function savedFolder(version: string, packages: { name: string; version: string }[]): string {
  const dir = tempDir();
  const sbom = `${JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', components: packages.map((p) => ({ type: 'library', name: p.name, version: p.version, purl: `pkg:deb/debian/${p.name}@${p.version}?arch=amd64&distro=debian-12` })) })}\n`;
  fs.mkdirSync(path.join(dir, 'sbom'));
  fs.writeFileSync(path.join(dir, 'sbom', 'contrail-controller-debian12.cdx.json'), sbom);
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({
    version, os: 'debian12', archives: [], images: [], ansible: null,
    documents: [{ ref: `contrail-controller-debian12:${version}`, id: 'sha256:x', sbom: { file: 'sbom/contrail-controller-debian12.cdx.json', sha256: sha256(sbom) }, provenance: { file: 'p', sha256: 'x' } }],
  }));
  return dir;
}

const CONFIG = ['--config', path.join(ROOT, 'examples/demo/config.json')];
const NO_ENGINE = { DOCKER_HOST: 'unix:///nonexistent.sock' };

test('gulp sbomDiff: two save folders, text and --json, without any Docker engine', async (t) => {
  const a = savedFolder('1', [{ name: 'bash', version: '5.2-1' }, { name: 'contrail-control', version: '4.0.0.0-20' }]);
  const b = savedFolder('2', [{ name: 'bash', version: '5.2-1' }, { name: 'contrail-control', version: '4.0.0.0-21' }]);
  const text = await runGulp(['sbomDiff', ...CONFIG, '--work-dir', tempDir(), '--from', a, '--to', b], NO_ENGINE);
  t.is(text.code, 0, text.stderr);
  t.regex(text.stdout, /contrail-controller-debian12: 0 added, 0 removed, 1 changed/);
  t.regex(text.stdout, /~ contrail-control 4\.0\.0\.0-20 -> 4\.0\.0\.0-21 \(amd64\)/);
  const json = await runGulp(['sbomDiff', ...CONFIG, '--work-dir', tempDir(), '--from', a, '--to', b, '--json', '--silent'], NO_ENGINE);
  t.is(json.code, 0, json.stderr);
  const out = JSON.parse(json.stdout) as { images: { image: string; changed: unknown[] }[] };
  t.deepEqual(out.images.map((i) => [i.image, i.changed.length]), [['contrail-controller-debian12', 1]]);
});

test('gulp sbomDiff: bad inputs exit 2 with one message naming the input', async (t) => {
  const good = savedFolder('1', [{ name: 'bash', version: '5.2-1' }]);
  const noDocs = tempDir();
  fs.writeFileSync(path.join(noDocs, 'manifest.json'), JSON.stringify({ version: '0', os: 'debian12', archives: [], images: [], ansible: null }));
  const tampered = savedFolder('1', [{ name: 'bash', version: '5.2-1' }]);
  fs.appendFileSync(path.join(tampered, 'sbom', 'contrail-controller-debian12.cdx.json'), ' ');
  const cases: [string[], RegExp][] = [
    [['--from', good], /sbomDiff needs both --from and --to \(--to is missing\)/],
    [['--from', path.join(good, 'nope'), '--to', good], /--from ".*nope" is not a folder/],
    [['--from', good, '--to', tempDir()], /--to ".*" is not a save folder: it has no readable manifest\.json/],
    [['--from', noDocs, '--to', good], /--from ".*" holds no SBOMs/],
    [['--from', good, '--to', tampered], /--to: ".*contrail-controller-debian12\.cdx\.json" is not the file manifest\.json lists/],
  ];
  for (const [args, message] of cases) {
    const r = await runGulp(['sbomDiff', ...CONFIG, '--work-dir', tempDir(), ...args], NO_ENGINE);
    t.is(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    t.regex(r.stdout + r.stderr, message);
    t.notRegex(r.stdout + r.stderr, /    at /);
  }
});

test('gulp --tasks loads none of the SBOM libraries (they load where documents are made)', async (t) => {
  const out = path.join(tempDir(), 'modules.txt');
  const r = await runGulp(['--tasks'], { NODE_OPTIONS: `-r ${path.join(ROOT, 'test', 'fixtures', 'record-modules.js')}`, RECORD_MODULES: out });
  t.is(r.code, 0, r.stderr);
  const loaded = fs.readFileSync(out, 'utf8');
  for (const lib of ['@cyclonedx/cyclonedx-library', 'packageurl-js', 'spdx-expression-parse', 'ajv-formats']) t.false(loaded.includes(`/node_modules/${lib}/`), `${lib} is loaded`);
});
