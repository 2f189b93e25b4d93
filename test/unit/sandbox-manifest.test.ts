import * as fs from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import { isPipelineError } from '../../lib/errors';
import { exitCodeFor as exitCode } from '../../lib/exit';
import { readSandboxManifest, type ManifestInput } from '../../lib/sandbox/manifest';
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
  ...more,
});

/** The input error `xml` (as default.xml) makes: its message, after checking it exits 2. */
function failure(t: any, files: Record<string, string> | string, more: Partial<ManifestInput> = {}): string {
  const e = t.throws(() => readSandboxManifest(input(typeof files === 'string' ? { 'default.xml': files } : files, more)));
  t.true(isPipelineError(e), String(e));
  t.is(exitCode(e), 2);
  return e.message;
}

test("the real contrail-vnc R4.0 default.xml: sixteen projects with repo's URLs and paths, two copyfiles", (t) => {
  const m = readSandboxManifest(input({ 'default.xml': REAL }));
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

test('the real manifest with a remote rewrite (a mirror): every project URL under the mirror', (t) => {
  const m = readSandboxManifest(input({ 'default.xml': REAL }, { rewrites: { github: 'file:///srv/mirror/juniper/' } }));
  t.is(m.projects.length, 16);
  t.true(m.projects.every((p) => p.url === `file:///srv/mirror/juniper/${p.name}`));
});

test('relative fetch URLs resolve against the manifest repository as a folder; absolute ones stay', (t) => {
  t.is(resolveFetch(VNC, '..'), 'https://github.com/Juniper');
  t.is(resolveFetch(`${VNC}.git`, '..'), 'https://github.com/Juniper');
  t.is(resolveFetch('git@github.com:Juniper/contrail-vnc', '..'), 'git@github.com:Juniper');
  t.is(resolveFetch('file:///d/git/contrail-vnc', '..'), 'file:///d/git');
  t.is(resolveFetch('/d/git/contrail-vnc', '../mirror'), '/d/git/mirror');
  t.is(resolveFetch(VNC, 'ssh://git@host/org/'), 'ssh://git@host/org');
});

const wrap = (body: string) => `<manifest>\n<remote name="r" fetch=".."/>\n<default revision="main" remote="r"/>\n${body}\n</manifest>\n`;

test('include (same repository), remove-project, per-project remote and revision, linkfile', (t) => {
  const m = readSandboxManifest(input({
    'default.xml': wrap('<include name="more/extra.xml"/>\n<project name="a" revision="v1.0"/>\n<remove-project name="b"/>'),
    'more/extra.xml': '<manifest>\n<remote name="o" fetch="ssh://git@other/x" revision="dev"/>\n<project name="b"/>\n<project name="c" remote="o" path="x/c"><linkfile src="bin" dest="tools/c-bin"/></project>\n</manifest>',
  }));
  t.deepEqual(m.projects.map((p) => [p.name, p.path, p.url, p.revision]), [
    ['c', 'x/c', 'ssh://git@other/x/c', 'dev'],
    ['a', 'a', 'https://github.com/Juniper/a', 'v1.0'],
  ]);
  t.deepEqual(m.projects[0].linkfiles, [{ src: 'bin', dest: 'tools/c-bin' }]);
});

test('bad manifests: one input error naming the file and line', (t) => {
  t.regex(failure(t, '<manifest>\n<project name="a">\n</manifest>'), /default\.xml line 3: not well-formed XML/);
  t.regex(failure(t, 'this is not xml'), /default\.xml line 1: not well-formed XML|expected one <manifest>/);
  t.regex(failure(t, wrap('<project path="x"/>')), /default\.xml line 4: <project> has no name/);
  t.regex(failure(t, wrap('<project name="a" path="../up"/>')), /line 4: project "a" path "\.\.\/up" has a '\.\.' part/);
  t.regex(failure(t, wrap('<project name="a" path="/abs"/>')), /line 4: project "a" path "\/abs" is not a relative path/);
  t.regex(failure(t, wrap('<project name="a" path="x"/>\n<project name="b" path="x"/>')), /line 5: project "b" has path "x", which project "a" has too/);
  t.regex(failure(t, wrap('<project name="a"><copyfile src="../../etc/passwd" dest="p"/></project>')), /line 4: <copyfile> src "\.\.\/\.\.\/etc\/passwd" of project "a"/);
  t.regex(failure(t, wrap('<project name="a"><linkfile src="x" dest="/etc/x"/></project>')), /line 4: <linkfile> dest "\/etc\/x" of project "a" is not a relative path/);
  t.regex(failure(t, wrap('<project name="a"><copyfile src="x" dest=".repo/manifest.xml"/></project>')), /points into \.repo/);
  t.regex(failure(t, wrap('<project name="a" remote="nope"/>')), /line 4: project "a" names remote "nope", which the manifest does not define/);
  t.regex(failure(t, wrap('<remote name="spare" fetch="https://h/x"/>\n<project name="a"/>')), /line 4: remote "spare" is used by no project/);
  t.regex(failure(t, wrap('<project name="a" revision="--upload-pack=touch /tmp/x"/>')), /line 4: project "a" revision .* starts with '-'/);
  t.regex(failure(t, { 'default.xml': wrap('<include name="b.xml"/>\n<project name="a"/>'), 'b.xml': '<manifest><include name="default.xml"/></manifest>' }),
    /include loop: default\.xml -> b\.xml -> default\.xml/);
  t.regex(failure(t, wrap('<include name="missing.xml"/>')), /included file "missing\.xml" does not exist/);
  t.regex(failure(t, wrap('<project name="a" groups="x"/>')), /line 4: attribute "groups" of <project> is not supported/);
  t.regex(failure(t, wrap('<notice>hi</notice>\n<project name="a"/>')), /line 4: <notice> is not supported/);
  t.regex(failure(t, wrap('<project name="a"><annotation name="x" value="y"/></project>')), /line 4: <annotation> is not supported inside <project>/);
  t.regex(failure(t, wrap('<remove-project name="zz"/>\n<project name="a"/>')), /line 4: remove-project names "zz"/);
  t.regex(failure(t, '<manifest>\n<remote name="r" fetch=".."/>\n<project name="a" remote="r"/>\n</manifest>'), /line 3: project "a" has no revision/);
  t.regex(failure(t, '<!DOCTYPE m [<!ENTITY x "y">]>\n<manifest/>'), /line 1: <!DOCTYPE> is not supported/);
  t.regex(failure(t, wrap('<project name="a"/>'), { rewrites: { githb: 'https://m/x' } }), /packages\.build\.sources\[0\]\.remotes\.githb: the manifest has no remote "githb"/);
  t.regex(failure(t, wrap('')), /has no project/);
});
