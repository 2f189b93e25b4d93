import * as fs from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import { isPipelineError } from '../../lib/errors';
import { exitCodeFor as exitCode } from '../../lib/exit';
import { MANIFEST_LIMITS } from '../../lib/config/defaults';
import { interruptedError } from '../../lib/interrupt';
import { readSandboxManifest, type ManifestInput } from '../../lib/sandbox/manifest';
import { doctypeIndex, lineFinder } from '../../lib/sandbox/manifestXml';
import { resolveFetch } from '../../lib/sandbox/fetchUrl';

const REAL = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'contrail-vnc-R4.0', 'default.xml'), 'utf8');
const VNC = 'https://github.com/Juniper/contrail-vnc';

const input = (files: Record<string, string>, more: Partial<ManifestInput> = {}): ManifestInput => ({
  file: 'default.xml',
  read: (f) => files[f] ?? null,
  manifestUrl: VNC,
  rewrites: {},
  what: 'packages.build.sources[0] ("contrail") manifest',
  rewritesKey: 'packages.build.sources[0].remotes',
  limits: MANIFEST_LIMITS,
  ...more,
});

/** The input error `xml` (as default.xml) makes: its message, after checking it exits 2. */
async function failure(t: any, files: Record<string, string> | string, more: Partial<ManifestInput> = {}): Promise<string> {
  const e = await t.throwsAsync(() => readSandboxManifest(input(typeof files === 'string' ? { 'default.xml': files } : files, more)));
  t.true(isPipelineError(e), String(e));
  t.is(exitCode(e), 2);
  return e.message;
}

test("the real contrail-vnc R4.0 default.xml: sixteen projects with repo's URLs and paths, two copyfiles", async (t) => {
  const m = await readSandboxManifest(input({ 'default.xml': REAL }));
  const expected: [string, string][] = [
    ['contrail-build', 'tools/build'], ['contrail-controller', 'controller'], ['contrail-vrouter', 'vrouter'],
    ['contrail-third-party', 'third_party'], ['contrail-generateDS', 'tools/generateds'], ['contrail-sandesh', 'tools/sandesh'],
    ['contrail-packages', 'tools/packages'], ['contrail-nova-vif-driver', 'openstack/nova_contrail_vif'],
    ['contrail-neutron-plugin', 'openstack/neutron_plugin'], ['contrail-nova-extensions', 'openstack/nova_extensions'],
    ['contrail-heat', 'openstack/contrail-heat'], ['contrail-web-storage', 'contrail-web-storage'],
    ['contrail-web-server-manager', 'contrail-web-server-manager'], ['contrail-web-controller', 'contrail-web-controller'],
    ['contrail-web-core', 'contrail-web-core'], ['contrail-webui-third-party', 'contrail-webui-third-party'],
  ];
  t.deepEqual(m.projects.map((p) => [p.name, p.path]), expected);
  for (const p of m.projects) {
    t.is(p.url, `https://github.com/Juniper/${p.name}`);
    t.is(p.revision, 'R4.0');
    t.is(p.remote, 'github');
  }
  t.deepEqual(m.remotes, [{ name: 'github', fetch: 'https://github.com/Juniper' }]);
  const copies = m.projects.flatMap((p) => p.copyfiles.map((c) => [p.path, c.src, c.dest]));
  t.deepEqual(copies, [['tools/build', 'SConstruct', 'SConstruct'], ['tools/packages', 'packages.make', 'packages.make']]);
  t.deepEqual(m.projects.flatMap((p) => p.linkfiles), []);
});

test('the real manifest with a remote rewrite (a mirror): every project URL under the mirror', async (t) => {
  const m = await readSandboxManifest(input({ 'default.xml': REAL }, { rewrites: { github: 'file:///srv/mirror/juniper/' } }));
  t.is(m.projects.length, 16);
  t.true(m.projects.every((p) => p.url === `file:///srv/mirror/juniper/${p.name}`));
});

test('relative fetch URLs resolve against the manifest repository as a folder; absolute ones stay', async (t) => {
  t.is(resolveFetch(VNC, '..'), 'https://github.com/Juniper');
  t.is(resolveFetch(`${VNC}.git`, '..'), 'https://github.com/Juniper');
  t.is(resolveFetch('git@github.com:Juniper/contrail-vnc', '..'), 'git@github.com:Juniper');
  t.is(resolveFetch('file:///d/git/contrail-vnc', '..'), 'file:///d/git');
  t.is(resolveFetch('/d/git/contrail-vnc', '../mirror'), '/d/git/mirror');
  t.is(resolveFetch(VNC, 'ssh://git@host/org/'), 'ssh://git@host/org');
});

const wrap = (body: string) => `<manifest>\n<remote name="r" fetch=".."/>\n<default revision="main" remote="r"/>\n${body}\n</manifest>\n`;

test('include (same repository), remove-project, per-project remote and revision, linkfile', async (t) => {
  const m = await readSandboxManifest(input({
    'default.xml': wrap('<include name="more/extra.xml"/>\n<project name="a" revision="v1.0"/>\n<remove-project name="b"/>'),
    'more/extra.xml': '<manifest>\n<remote name="o" fetch="ssh://git@other/x" revision="dev"/>\n<project name="b"/>\n<project name="c" remote="o" path="x/c"><linkfile src="bin" dest="tools/c-bin"/></project>\n</manifest>',
  }));
  t.deepEqual(m.projects.map((p) => [p.name, p.path, p.url, p.revision]), [
    ['c', 'x/c', 'ssh://git@other/x/c', 'dev'],
    ['a', 'a', 'https://github.com/Juniper/a', 'v1.0'],
  ]);
  t.deepEqual(m.projects[0].linkfiles, [{ src: 'bin', dest: 'tools/c-bin' }]);
});

test('bad manifests: one input error naming the file and line', async (t) => {
  t.regex(await failure(t, '<manifest>\n<project name="a">\n</manifest>'), /default\.xml line 3: not well-formed XML/);
  t.regex(await failure(t, 'this is not xml'), /default\.xml line 1: not well-formed XML|expected one <manifest>/);
  t.regex(await failure(t, wrap('<project path="x"/>')), /default\.xml line 4: <project> has no name/);
  t.regex(await failure(t, wrap('<project name="a" path="../up"/>')), /line 4: project "a" path "\.\.\/up" has a '\.\.' part/);
  t.regex(await failure(t, wrap('<project name="a" path="/abs"/>')), /line 4: project "a" path "\/abs" is not a relative path/);
  t.regex(await failure(t, wrap('<project name="a" path="x"/>\n<project name="b" path="x"/>')), /line 5: project "b" has path "x", which project "a" has too/);
  t.regex(await failure(t, wrap('<project name="a"><copyfile src="../../etc/passwd" dest="p"/></project>')), /line 4: <copyfile> src "\.\.\/\.\.\/etc\/passwd" of project "a"/);
  t.regex(await failure(t, wrap('<project name="a"><linkfile src="x" dest="/etc/x"/></project>')), /line 4: <linkfile> dest "\/etc\/x" of project "a" is not a relative path/);
  t.regex(await failure(t, wrap('<project name="a"><copyfile src="x" dest=".repo/manifest.xml"/></project>')), /points into \.repo/);
  t.regex(await failure(t, wrap('<project name="a" remote="nope"/>')), /line 4: project "a" names remote "nope", which the manifest does not define/);
  t.regex(await failure(t, wrap('<remote name="spare" fetch="https://h/x"/>\n<project name="a"/>')), /line 4: remote "spare" is used by no project/);
  t.regex(await failure(t, wrap('<project name="a" revision="--upload-pack=touch /tmp/x"/>')), /line 4: project "a" revision .* starts with '-'/);
  t.regex(await failure(t, { 'default.xml': wrap('<include name="b.xml"/>\n<project name="a"/>'), 'b.xml': '<manifest><include name="default.xml"/></manifest>' }),
    /include loop: default\.xml -> b\.xml -> default\.xml/);
  t.regex(await failure(t, wrap('<include name="missing.xml"/>')), /included file "missing\.xml" does not exist/);
  t.regex(await failure(t, wrap('<project name="a" groups="x"/>')), /line 4: attribute "groups" of <project> is not supported/);
  t.regex(await failure(t, wrap('<notice>hi</notice>\n<project name="a"/>')), /line 4: <notice> is not supported/);
  t.regex(await failure(t, wrap('<project name="a"><annotation name="x" value="y"/></project>')), /line 4: <annotation> is not supported inside <project>/);
  t.regex(await failure(t, wrap('<remove-project name="zz"/>\n<project name="a"/>')), /line 4: remove-project names "zz"/);
  t.regex(await failure(t, '<manifest>\n<remote name="r" fetch=".."/>\n<project name="a" remote="r"/>\n</manifest>'), /line 3: project "a" has no revision/);
  t.regex(await failure(t, '<!DOCTYPE m [<!ENTITY x "y">]>\n<manifest/>'), /line 1: <!DOCTYPE> is not supported/);
  t.regex(await failure(t, wrap('<project name="a"/>'), { rewrites: { githb: 'https://m/x' } }), /packages\.build\.sources\[0\]\.remotes\.githb: the manifest has no remote "githb"/);
  t.regex(await failure(t, wrap('')), /has no project/);
});

/** default.xml includes d0a.xml and d0b.xml, each of which includes d1a.xml and d1b.xml, ... `levels` deep; the last level holds a project */
function diamond(levels: number): Record<string, string> {
  const files: Record<string, string> = { 'default.xml': wrap('<include name="d0a.xml"/>\n<include name="d0b.xml"/>') };
  for (let i = 0; i < levels; i++) {
    const body = i === levels - 1 ? '<manifest/>' : `<manifest><include name="d${i + 1}a.xml"/><include name="d${i + 1}b.xml"/></manifest>`;
    files[`d${i}a.xml`] = i === levels - 1 ? '<manifest><project name="leaf"/></manifest>' : body;
    files[`d${i}b.xml`] = body;
  }
  return files;
}

const many = (n: number) => wrap(Array.from({ length: n }, (_, i) => `<project name="p${i}" path="x/p${i}"/>`).join('\n'));

test('a diamond of includes 30 levels deep: each file read once, so linear; or refused by the include limits, naming them', async (t) => {
  const reads = new Map<string, number>();
  const files = diamond(30);
  const counted = (f: string) => {
    reads.set(f, (reads.get(f) ?? 0) + 1);
    return files[f] ?? null;
  };
  const m = await readSandboxManifest(input(files, { read: counted, limits: { ...MANIFEST_LIMITS, maxIncludeDepth: 40 } }));
  t.deepEqual(m.projects.map((p) => p.name), ['leaf']);
  t.is(reads.size, 61);
  t.true([...reads.values()].every((n) => n === 1), 'each file read once');
  // the defaults refuse it: 31 levels of includes, past maxIncludeDepth (16)
  t.regex(await failure(t, files), /manifest d15a\.xml line 1: include "d16a\.xml" is included 17 levels deep, past manifestLimits\.maxIncludeDepth \(16\)/);
  t.regex(await failure(t, files, { limits: { ...MANIFEST_LIMITS, maxIncludeDepth: 40, maxIncludes: 10 } }), /manifest d9a\.xml line 1: include "d10a\.xml" is one <include> too many, past manifestLimits\.maxIncludes \(10\)/);
});

test('100k projects: refused by manifestLimits.maxProjects, naming the file and line; with the limit raised, read (linear)', async (t) => {
  const text = many(100_000);
  t.regex(await failure(t, text), /manifest default\.xml line 10004: project "p10000" is one project too many, past manifestLimits\.maxProjects \(10000\)/);
  const m = await readSandboxManifest(input({ 'default.xml': text }, { limits: { ...MANIFEST_LIMITS, maxProjects: 100_000 } }));
  t.is(m.projects.length, 100_000);
  t.is(m.projects[99_999].at, 'packages.build.sources[0] ("contrail") manifest default.xml line 100003');
});

test('a manifest file past manifestLimits.maxMegabytes is refused, naming the limit and the file', async (t) => {
  const text = wrap(`<project name="a"/>\n<!-- ${'x'.repeat(1024 * 1024)} -->`);
  t.regex(await failure(t, { 'default.xml': wrap('<include name="big.xml"/>\n<project name="b"/>'), 'big.xml': text }, { limits: { ...MANIFEST_LIMITS, maxMegabytes: 1 } }),
    /manifest big\.xml: the file has \d+ bytes, past manifestLimits\.maxMegabytes \(1\)/);
});

test('a diamond include of the same file adds its elements once; remove-project after it removes them', async (t) => {
  const m = await readSandboxManifest(input({
    'default.xml': wrap('<include name="a.xml"/>\n<include name="b.xml"/>\n<project name="top"/>'),
    'a.xml': '<manifest><include name="shared.xml"/></manifest>',
    'b.xml': '<manifest><include name="shared.xml"/><remove-project name="s1"/></manifest>',
    'shared.xml': '<manifest><project name="s1"/><project name="s2"/></manifest>',
  }));
  t.deepEqual(m.projects.map((p) => p.name), ['s2', 'top']);
});

test('an interrupt during the read ends it with the interruption, and the parser thread with it', async (t) => {
  const controller = new AbortController();
  const reading = readSandboxManifest(input({ 'default.xml': many(60_000) }, { signal: controller.signal, limits: { ...MANIFEST_LIMITS, maxProjects: 100_000 } }));
  setImmediate(() => controller.abort(interruptedError('SIGTERM')));
  const e = await t.throwsAsync(reading);
  t.is(exitCode(e), 130);
  t.regex(e!.message, /interrupted by SIGTERM/);
});

test('<!DOCTYPE inside a comment is a comment; character references decoded as repo decodes them; an undefined one refused', async (t) => {
  const m = await readSandboxManifest(input({ 'default.xml': wrap('<!-- no <!DOCTYPE here -->\n<project name="a&#45;b&#x2d;c&amp;d" path="p&lt;q"/>') }));
  t.deepEqual(m.projects.map((p) => [p.name, p.path]), [['a-b-c&d', 'p<q']]);
  t.regex(await failure(t, wrap('<!-- a comment -->\n<!DOCTYPE m>\n<project name="a"/>')), /line 5: <!DOCTYPE> is not supported/);
  t.regex(await failure(t, wrap('<project name="a&nbsp;b"/>')), /line 4: attribute "name" of <project> has the reference "&nbsp;", which XML does not define/);
  t.regex(await failure(t, wrap('<project name="a&#0;b"/>')), /line 4: attribute "name" of <project> has the reference "&#0;"/);
});

test('line numbers: found once per file, by binary search over the line starts', (t) => {
  const at = lineFinder('a\nbb\n\nccc');
  t.deepEqual([0, 1, 2, 4, 5, 6, 9].map(at), [1, 1, 2, 2, 3, 4, 4]);
  t.is(at(undefined), 0);
  t.is(doctypeIndex('<!-- <!DOCTYPE x> --><m/>'), -1);
  t.is(doctypeIndex('<!-- c --><!doctype x><m/>'), 10);
  t.is(doctypeIndex('<!-- unclosed <!DOCTYPE'), -1);
});
