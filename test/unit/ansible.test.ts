import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import * as tar from 'tar';
import { Closure, installClosure, type Installer, type RoleFiles } from '../../lib/ansible/closure';
import { cTime, layoutFor, localRepoPath, normalizeInstallInfo, topRequirementFiles } from '../../lib/ansible/galaxy';
import { type AnsibleManifest, gitManifest, movableSources, parseManifest, staleReason } from '../../lib/ansible/manifest';
import {
  describeRequirement,
  galaxyRequirementsText,
  parseMetaDependencies,
  parseRequirements,
  roleNameFromSrc,
} from '../../lib/ansible/requirements';
import { encodeHeader, listTree, memoryEntries, paxRecord, splitUstarPath, tarBuffer, writeTarGz } from '../../lib/ansible/tarball';
import { resolveConfig } from '../../lib/config/load';
import { PipelineError } from '../../lib/errors';
import { parseLsRemote, refNames, resolveRef } from '../../lib/git/refs';
import { tempDir, writeJson } from '../helpers/temp';

const inputErr = (t: any, fn: () => unknown, pattern: RegExp) => {
  const e = t.throws(fn, { instanceOf: PipelineError }) as PipelineError;
  t.is(e.kind, 'input');
  t.regex(e.toString(), pattern);
  return e;
};

// ---- requirements.yml -------------------------------------------------------------------------

test('requirements: the old list form, string and mapping entries, as ansible-galaxy names them', (t) => {
  const r = parseRequirements([
    '- geerlingguy.java',
    '- git+https://example.org/org/ansible-role-x.git,v1.2',
    '- https://example.org/roles/y.tar.gz,,why',
    '- src: https://github.com/org/role-z',
    '- { src: "git+file:///srv/a", version: master, name: role_a }',
    '- role: old_style.role',
  ].join('\n'), 'requirements.yml');
  t.deepEqual(r.roles.map((x) => [x.name, x.scm, x.src, x.version, x.from.line]), [
    ['geerlingguy.java', null, 'geerlingguy.java', '', 1],
    ['ansible-role-x', 'git', 'https://example.org/org/ansible-role-x.git', 'v1.2', 2],
    ['why', null, 'https://example.org/roles/y.tar.gz', '', 3],
    ['role-z', 'git', 'https://github.com/org/role-z', '', 4],
    ['role_a', 'git', 'file:///srv/a', 'master', 5],
    ['old_style.role', null, 'old_style.role', '', 6],
  ]);
  t.deepEqual(r.collections, []);
});

test('requirements: roles and collections sections; collection forms', (t) => {
  const r = parseRequirements([
    '---',
    'roles:',
    '  - name: a',
    '    src: git+file:///srv/a',
    'collections:',
    '  - community.general',
    '  - name: ansible.posix',
    '    version: ">=1.0"',
    '  - name: git+file:///srv/coll,devel',
    '  - name: file:///srv/other',
    '    type: git',
    '    version: v2',
    '  - "community.crypto:>=2.0"',
  ].join('\n'), 'playbooks/requirements.yml');
  t.is(r.roles.length, 1);
  t.is(r.roles[0].from.line, 3);
  t.deepEqual(r.collections.map((c) => [c.type, c.src, c.version, c.from.line]), [
    ['galaxy', 'community.general', '', 6],
    ['galaxy', 'ansible.posix', '>=1.0', 7],
    ['git', 'file:///srv/coll', 'devel', 9],
    ['git', 'file:///srv/other', 'v2', 10],
    ['galaxy', 'community.crypto', '>=2.0', 13],
  ]);
  t.is(describeRequirement(r.collections[2]), 'collection "file:///srv/coll" (git, version devel)');
  t.is(describeRequirement(r.roles[0]), 'role "a" (git+file:///srv/a)');
});

test('requirements: empty files and empty sections name nothing', (t) => {
  t.deepEqual(parseRequirements('', 'r.yml'), { roles: [], collections: [] });
  t.deepEqual(parseRequirements('# nothing\n', 'r.yml'), { roles: [], collections: [] });
  t.deepEqual(parseRequirements('roles:\ncollections:\n', 'r.yml'), { roles: [], collections: [] });
});

test('requirements: malformed YAML names the file and the line', (t) => {
  inputErr(t, () => parseRequirements('roles:\n  - src: a\n    version: [unclosed\n  - b\n', 'playbooks/requirements.yml'),
    /playbooks\/requirements\.yml line \d+ is not valid YAML/);
  const e = inputErr(t, () => parseRequirements('roles:\n  - src: x\n - bad indent: [\n', 'requirements.yml'), /requirements\.yml line [23] is not valid YAML/);
  t.truthy(e.hint);
});

test('requirements: wrong shapes name the file and line', (t) => {
  inputErr(t, () => parseRequirements('roles: a-string\n', 'r.yml'), /r\.yml line 1: "roles" must be a list/);
  inputErr(t, () => parseRequirements('something: else\n', 'r.yml'), /r\.yml line 1: expected "roles:" and\/or "collections:"/);
  inputErr(t, () => parseRequirements('- a,b,c,d\n', 'r.yml'), /r\.yml line 1: role line "a,b,c,d" is not "src\[,version\[,name\]\]"/);
  inputErr(t, () => parseRequirements('\n\n- version: v1\n', 'r.yml'), /r\.yml line 3: a role needs "src"/);
  inputErr(t, () => parseRequirements('- include: other.yml\n', 'r.yml'), /r\.yml line 1: "include" of other requirement files is not supported/);
  inputErr(t, () => parseRequirements('collections:\n  - name: nodots\n', 'r.yml'), /r\.yml line 2: collection "nodots" is not namespace\.name/);
  inputErr(t, () => parseRequirements('collections:\n  - name: a.b\n    type: svn\n', 'r.yml'), /collection type "svn" is not one of/);
  inputErr(t, () => parseRequirements('- src: hg+https://x/y\n', 'r.yml'), /uses scm "hg"; only git sources are supported/);
});

test('requirements: sources and versions git would read as options, and role names that escape, are refused', (t) => {
  inputErr(t, () => parseRequirements('- src: git+--upload-pack=touch /tmp/x\n', 'r.yml'), /r\.yml line 1: role .* src .* starts with '-'/);
  inputErr(t, () => parseRequirements('- src: git+file:///srv/a\n  version: --upload-pack=x\n', 'r.yml'), /r\.yml line 1: role "a" version .* starts with '-'/);
  inputErr(t, () => parseRequirements('- src: git+ext::sh%20-c%20touch%20/tmp/p\n', 'r.yml'), /r\.yml line 1: role .* src .* uses a git remote helper/);
  inputErr(t, () => parseRequirements('- src: git+file:///srv/a\n  name: ../../etc\n', 'r.yml'), /role name "\.\.\/\.\.\/etc" cannot be a folder name/);
  inputErr(t, () => parseRequirements('collections:\n  - name: git+-oProxyCommand=x\n', 'r.yml'), /collection src .* starts with '-'/);
});

test('requirements: role names from sources follow ansible-galaxy', (t) => {
  t.is(roleNameFromSrc('https://x/org/repo.git'), 'repo');
  t.is(roleNameFromSrc('git@github.com:org/role.git'), 'role');
  t.is(roleNameFromSrc('https://x/r/y.tar.gz'), 'y');
  t.is(roleNameFromSrc('ns.role'), 'ns.role');
});

test('meta dependencies: what ansible-galaxy installs, with lines; plain local names skipped', (t) => {
  const deps = parseMetaDependencies([
    'galaxy_info: {author: x}',
    'dependencies:',
    '  - common',
    '  - role: local_one',
    '  - src: git+file:///srv/b',
    '    version: master',
    '    name: role_b',
    '  - geerlingguy.ntp',
  ].join('\n'), 'roles/a/meta/main.yml');
  t.deepEqual(deps.map((d) => [d.name, d.from.line]), [['role_b', 5], ['geerlingguy.ntp', 8]]);
  t.deepEqual(parseMetaDependencies('galaxy_info: {}\n', 'm.yml'), []);
});

test('galaxy requirement files: JSON that ansible-galaxy reads as YAML', (t) => {
  const [role] = parseRequirements('- src: git+file:///srv/a\n  version: v1\n  name: a\n', 'r.yml').roles;
  t.deepEqual(JSON.parse(galaxyRequirementsText(role)), [{ name: 'a', src: 'file:///srv/a', scm: 'git', version: 'v1' }]);
  const [coll] = parseRequirements('collections:\n  - name: git+file:///srv/c\n', 'r.yml').collections;
  t.deepEqual(JSON.parse(galaxyRequirementsText(coll)), { collections: [{ name: 'file:///srv/c', type: 'git' }] });
});

// ---- the closure ------------------------------------------------------------------------------

interface FakeRole {
  meta?: string;
  requirements?: string;
  /** roles ansible-galaxy installs along with this one (its meta dependencies) */
  brings?: string[];
}

/** An installer over a table of roles: what ansible-galaxy would do, without it. */
function tableInstaller(table: Record<string, FakeRole>, installed: string[] = []) {
  const have = new Set(installed);
  const calls: string[] = [];
  const installer: Installer = {
    async installRole(r) {
      calls.push(`role ${r.name}@${r.version}`);
      const appeared = [r.name, ...(table[r.name]?.brings ?? [])].filter((n) => !have.has(n));
      appeared.forEach((n) => have.add(n));
      return appeared;
    },
    async installCollection(c) {
      calls.push(`collection ${c.src}@${c.version}`);
      const name = c.src.replace(/^.*\//, 'ns.');
      if (have.has(name)) return {};
      have.add(name);
      return { [name]: { version: '1.0.0', dependencies: [] } };
    },
    roleFiles(name): RoleFiles {
      const role = table[name] ?? {};
      return {
        requirements: role.requirements ? [{ file: `roles/${name}/requirements.yml`, text: role.requirements }] : [],
        meta: role.meta ? [{ file: `roles/${name}/meta/main.yml`, text: role.meta }] : [],
      };
    },
  };
  return { installer, calls };
}

const top = (text: string) => {
  const r = parseRequirements(text, 'requirements.yml');
  return [...r.roles, ...r.collections];
};

test('closure: A (meta: B) with its own requirements naming C, whose requirements name a collection', async (t) => {
  const { installer, calls } = tableInstaller({
    a: {
      brings: ['b'],
      meta: 'dependencies:\n  - src: git+file:///srv/b\n    version: master\n    name: b\n',
      requirements: '- src: git+file:///srv/c\n  name: c\n',
    },
    c: { requirements: 'collections:\n  - name: git+file:///srv/coll\n    version: master\n' },
  });
  const result = await installClosure(top('- src: git+file:///srv/a\n  version: v1\n  name: a\n'), installer, [], 'roles');
  t.deepEqual(calls, ['role a@v1', 'role c@', 'collection file:///srv/coll@master']);
  t.deepEqual(result.roles.map((r) => [r.name, r.src, r.version, `${r.from.file}:${r.from.line}`, r.dependency]), [
    ['a', 'file:///srv/a', 'v1', 'requirements.yml:1', false],
    ['b', 'file:///srv/b', 'master', 'roles/a/meta/main.yml:2', true],
    ['c', 'file:///srv/c', '', 'roles/a/requirements.yml:1', false],
  ]);
  t.deepEqual(result.collections.map((c) => [c.name, c.installedVersion, c.requirement.from.file]), [['ns.coll', '1.0.0', 'roles/c/requirements.yml']]);
  t.deepEqual(result.warnings, []);
});

test('closure: each role once; the first version wins and a different later one is a warning naming both', async (t) => {
  const { installer, calls } = tableInstaller({
    a: { requirements: '- src: git+file:///srv/x\n  version: v2\n  name: x\n- src: git+file:///srv/y\n  name: y\n' },
    y: { requirements: '- src: git+file:///srv/a\n  version: v1\n  name: a\n' },
  });
  const result = await installClosure(top([
    '- src: git+file:///srv/a', '  version: v1', '  name: a',
    '- src: git+file:///srv/x', '  version: v1', '  name: x',
  ].join('\n')), installer, [], 'roles');
  t.deepEqual(calls, ['role a@v1', 'role x@v1', 'role y@']);
  t.is(result.warnings.length, 1);
  t.regex(result.warnings[0], /role "x": git\+file:\/\/\/srv\/x@v2 asked for by roles\/a\/requirements\.yml line 1 conflicts with git\+file:\/\/\/srv\/x@v1 asked for by requirements\.yml line 4; keeping the first/);
});

test('closure: a role installed meanwhile as a meta dependency is not installed again; a different version is reported', async (t) => {
  const { installer, calls } = tableInstaller({
    a: { brings: ['b'], meta: 'dependencies:\n  - src: git+file:///srv/b\n    version: v1\n    name: b\n' },
  });
  const result = await installClosure(top('- git+file:///srv/a,,a\n- git+file:///srv/b,v2,b\n'), installer, [], 'roles');
  t.deepEqual(calls, ['role a@']);
  t.regex(result.warnings.join('\n'), /role "b": git\+file:\/\/\/srv\/b@v2 asked for by requirements\.yml line 2 conflicts with git\+file:\/\/\/srv\/b@v1 asked for by roles\/a\/meta\/main\.yml line 2/);
});

test('closure: a role the repository carries itself wins, with a warning', async (t) => {
  const { installer, calls } = tableInstaller({});
  const result = await installClosure(top('- git+file:///srv/own,,own\n'), installer, ['own'], 'playbooks/roles');
  t.deepEqual(calls, []);
  t.regex(result.warnings[0], /role "own" .* is part of the repository \(playbooks\/roles\/own\); keeping the repository's/);
});

test('closure: the same collection twice at different versions: the first wins, with a warning', (t) => {
  const c = new Closure([], 'roles');
  c.add(top('collections:\n  - name: git+file:///srv/c\n    version: v1\n'));
  c.add(parseRequirements('collections:\n  - name: git+file:///srv/c\n    version: v2\n', 'roles/z/requirements.yml').collections);
  t.is(c.next()?.kind, 'collection');
  t.is(c.next(), undefined);
  t.regex(c.warnings[0], /collection "file:\/\/\/srv\/c": version "v2" asked for by roles\/z\/requirements\.yml line 2 conflicts with "v1" asked for by requirements\.yml line 2/);
});

test('closure: a malformed requirements.yml inside an installed role names that file and line', async (t) => {
  const { installer } = tableInstaller({ a: { requirements: 'roles:\n  - src: [x\n' } });
  const e = await t.throwsAsync(installClosure(top('- git+file:///srv/a,,a\n'), installer, [], 'roles'), { instanceOf: PipelineError });
  t.regex(e!.message, /roles\/a\/requirements\.yml line \d is not valid YAML/);
});

// ---- refs ------------------------------------------------------------------------------------

const LS = [
  `${'a'.repeat(40)}\tHEAD`,
  `${'a'.repeat(40)}\trefs/heads/master`,
  `${'b'.repeat(40)}\trefs/heads/stable`,
  `${'c'.repeat(40)}\trefs/tags/v1`,
  `${'d'.repeat(40)}\trefs/tags/v1^{}`,
  `${'e'.repeat(40)}\trefs/tags/stable`,
  `1234567${'0'.repeat(33)}\trefs/tags/light`,
].join('\n');

test('refs: branches, tags (peeled), commit ids full and abbreviated, unknown names', (t) => {
  const refs = parseLsRemote(LS);
  t.deepEqual(resolveRef(refs, 'master'), { kind: 'branch', commit: 'a'.repeat(40), name: 'master' });
  t.deepEqual(resolveRef(refs, 'v1'), { kind: 'tag', commit: 'd'.repeat(40), name: 'v1' });
  t.is(resolveRef(refs, 'stable')?.kind, 'branch', 'a branch wins over a tag of the same name, as with git clone --branch');
  t.deepEqual(resolveRef(refs, 'refs/tags/stable'), { kind: 'tag', commit: 'e'.repeat(40), name: 'stable' });
  t.deepEqual(resolveRef(refs, 'f'.repeat(40)), { kind: 'commit', commit: 'f'.repeat(40), name: 'f'.repeat(40) });
  t.deepEqual(resolveRef(refs, '1234567'), { kind: 'commit', commit: `1234567${'0'.repeat(33)}`, name: '1234567' });
  t.deepEqual(resolveRef(refs, 'fedcba9'), { kind: 'commit', commit: null, name: 'fedcba9' });
  t.is(resolveRef(refs, 'HEAD')?.kind, 'head');
  t.is(resolveRef(refs, 'no-such-branch'), undefined);
  t.deepEqual(refNames(refs), ['light', 'master', 'stable', 'v1']);
});

// ---- manifest --------------------------------------------------------------------------------

const manifest = (over: Partial<AnsibleManifest> = {}): AnsibleManifest => ({
  ...gitManifest({
    artifact: 'contrail-ansible-1.tar.gz',
    sha256: 's'.repeat(64),
    repo: 'file:///srv/ca',
    ref: 'master',
    commit: 'a'.repeat(40),
    commitTime: 1,
    rolesPath: 'contrail-ansible/roles',
    collectionsPath: 'contrail-ansible/collections',
    closure: {
      roles: [
        { name: 'a', src: 'file:///srv/a', scm: 'git', version: 'master', from: { file: 'requirements.yml', line: 1 }, dependency: false },
        { name: 'p', src: 'file:///srv/p', scm: 'git', version: 'b'.repeat(40), from: { file: 'requirements.yml', line: 2 }, dependency: false },
        { name: 'g.r', src: 'g.r', scm: null, version: '1.0', from: { file: 'requirements.yml', line: 3 }, dependency: false },
      ],
      collections: [],
      warnings: [],
    },
    commits: new Map([['file:///srv/a#master', 'c'.repeat(40)]]),
  }),
  ...over,
});

test('manifest: records every role with source, version and commit; round-trips', (t) => {
  const m = manifest();
  t.deepEqual(m.roles.map((r) => [r.name, r.commit, r.from]), [['a', 'c'.repeat(40), 'requirements.yml line 1'], ['g.r', null, 'requirements.yml line 3'], ['p', null, 'requirements.yml line 2']]);
  t.deepEqual(parseManifest(JSON.stringify(m)), m);
  t.is(parseManifest('{"format": 99}'), undefined);
  t.is(parseManifest('not json'), undefined);
  t.deepEqual(movableSources(m), [{ src: 'file:///srv/a', version: 'master', commit: 'c'.repeat(40) }], 'pinned commits and galaxy roles are not checked again');
});

test('manifest: when the artifact is current, and every reason it is not', (t) => {
  const m = manifest();
  const now = { repo: 'file:///srv/ca', ref: 'master', commit: 'a'.repeat(40), artifactSha256: 's'.repeat(64) };
  t.is(staleReason(m, now), null);
  t.is(staleReason(m, { ...now, artifactSha256: null }), 'no artifact yet');
  t.is(staleReason(undefined, now), 'no manifest beside the artifact');
  t.is(staleReason(m, { ...now, artifactSha256: 'x'.repeat(64) }), 'the artifact does not match its manifest');
  t.regex(staleReason(m, { ...now, repo: 'file:///srv/other' })!, /repository changed/);
  t.regex(staleReason(m, { ...now, commit: 'f'.repeat(40) })!, /master moved from aaaaaaaaaaaa to ffffffffffff/);
  t.is(staleReason({ ...m, ref: 'aaaaaaa' }, { ...now, ref: 'aaaaaaa', commit: null }), null, 'an abbreviated id that matches the recorded commit');
  t.regex(staleReason({ ...m, source: 'artifact' }, now)!, /given/);
});

// ---- galaxy layout and clean-up ---------------------------------------------------------------

test('galaxy: roles go where the playbooks look; requirement files at the top and under playbooks/', (t) => {
  t.deepEqual(layoutFor(true), { rolesPath: 'playbooks/roles', collectionsPath: 'playbooks/collections' });
  t.deepEqual(layoutFor(false), { rolesPath: 'roles', collectionsPath: 'collections' });
  t.deepEqual(topRequirementFiles(['requirements.yml', 'docs/requirements.yml', 'playbooks/requirements.yaml', 'playbooks/x/requirements.yml', 'requirements.txt', 'roles/requirements.yml']),
    ['playbooks/requirements.yaml', 'playbooks/x/requirements.yml', 'requirements.yml']);
  t.is(localRepoPath('file:///srv/a/'), '/srv/a');
  t.is(localRepoPath('/srv/b'), '/srv/b');
  t.is(localRepoPath('https://x/y'), null);
});

test('galaxy: the install date ansible-galaxy stamps becomes the commit time', (t) => {
  t.is(cTime(1496275200), 'Thu Jun  1 00:00:00 2017');
  t.is(normalizeInstallInfo("install_date: 'Wed Nov 25 09:31:09 2026'\nversion: master\n", 1496275200), "install_date: 'Thu Jun  1 00:00:00 2017'\nversion: master\n");
  t.is(normalizeInstallInfo('install_date: Wed Nov 25 09:31:09 2026\nversion: v1\n', 0), "install_date: 'Thu Jan  1 00:00:00 1970'\nversion: v1\n");
});

// ---- the reproducible tar ---------------------------------------------------------------------

function tree(dir: string, order: string[], mode: number, mtime: Date): void {
  for (const name of order) {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `content of ${name}\n`);
    fs.chmodSync(file, name.endsWith('.sh') ? mode | 0o111 : mode);
    fs.utimesSync(file, mtime, mtime);
  }
  fs.mkdirSync(path.join(dir, '.git', 'objects'), { recursive: true });
  fs.writeFileSync(path.join(dir, '.git', 'HEAD'), `ref: ${crypto.randomUUID()}\n`);
  fs.mkdirSync(path.join(dir, 'roles', 'x', '.git'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'roles', 'x', '.git', 'config'), crypto.randomUUID());
  fs.symlinkSync('../README.md', path.join(dir, 'roles', 'link'));
}

const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const files = ['README.md', 'roles/x/tasks/main.yml', 'roles/a-b/run.sh', 'playbooks/site.yml', `deep/${'d'.repeat(90)}/${'e'.repeat(90)}/file.yml`];

test('tar: the same tree gives byte-identical archives whatever the order, modes, owners and times on disk', async (t) => {
  const a = tempDir();
  const b = tempDir();
  tree(path.join(a, 'src'), files, 0o640, new Date('2020-01-01'));
  tree(path.join(b, 'src'), [...files].reverse(), 0o600, new Date('2024-05-05'));
  await writeTarGz(path.join(a, 'src'), 'contrail-ansible/', path.join(a, 'out.tar.gz'), { mtime: 1496275200, skipGit: true });
  await writeTarGz(path.join(b, 'src'), 'contrail-ansible/', path.join(b, 'out.tar.gz'), { mtime: 1496275200, skipGit: true });
  t.is(sha(path.join(a, 'out.tar.gz')), sha(path.join(b, 'out.tar.gz')));
  // gzip header: no name, time 0
  const gz = fs.readFileSync(path.join(a, 'out.tar.gz'));
  t.deepEqual([...gz.subarray(0, 8)], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0]);

  const seen: { path: string; uid?: number; gid?: number; uname?: string; gname?: string; mtime?: Date; mode?: number; type: string; linkpath?: string }[] = [];
  await tar.t({ file: path.join(a, 'out.tar.gz'), strict: true, onReadEntry: (e) => void seen.push({ path: e.path, uid: e.uid, gid: e.gid, uname: e.uname, gname: e.gname, mtime: e.mtime, mode: e.mode, type: e.type, linkpath: e.linkpath }) });
  const paths = seen.map((e) => e.path);
  t.deepEqual(paths, [...paths].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))), 'sorted bytewise');
  t.false(paths.some((p) => p.split('/').includes('.git')), 'no .git folders');
  t.true(paths.includes(`contrail-ansible/deep/${'d'.repeat(90)}/${'e'.repeat(90)}/file.yml`), 'a long path survives (pax)');
  for (const e of seen) {
    t.is(e.uid, 0);
    t.is(e.gid, 0);
    t.is(e.uname, 'root');
    t.is(e.gname, 'root');
    t.is(e.mtime!.getTime(), 1496275200 * 1000);
  }
  const byPath = new Map(seen.map((e) => [e.path, e]));
  t.is(byPath.get('contrail-ansible/')!.type, 'Directory');
  t.is(byPath.get('contrail-ansible/README.md')!.mode, 0o644);
  t.is(byPath.get('contrail-ansible/roles/a-b/run.sh')!.mode, 0o755);
  t.is(byPath.get('contrail-ansible/roles/')!.mode, 0o755);
  t.is(byPath.get('contrail-ansible/roles/link')!.type, 'SymbolicLink');
  t.is(byPath.get('contrail-ansible/roles/link')!.linkpath, '../README.md');

  // and GNU tar (what images extract it with) reads the same entries
  t.deepEqual(execFileSync('tar', ['-tzf', path.join(a, 'out.tar.gz')], { encoding: 'utf8' }).trim().split('\n'), paths);
  const x = tempDir();
  execFileSync('tar', ['-xzf', path.join(a, 'out.tar.gz'), '-C', x]);
  t.is(fs.readFileSync(path.join(x, 'contrail-ansible', 'roles', 'x', 'tasks', 'main.yml'), 'utf8'), 'content of roles/x/tasks/main.yml\n');
});

test('tar: header fields, checksum, ustar path split and pax records', async (t) => {
  const h = encodeHeader({ name: 'a.txt', prefix: '', mode: 0o644, size: 3, mtime: 8, typeflag: '0', linkname: '' });
  t.is(h.length, 512);
  t.is(h.subarray(257, 263).toString(), 'ustar\0');
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i];
  t.is(parseInt(h.subarray(148, 154).toString(), 8), sum);
  t.deepEqual(splitUstarPath('short'), { prefix: '', name: 'short' });
  const long = `${'p'.repeat(120)}/${'n'.repeat(50)}`;
  t.deepEqual(splitUstarPath(long), { prefix: 'p'.repeat(120), name: 'n'.repeat(50) });
  t.is(splitUstarPath('x'.repeat(101)), undefined);
  t.is(paxRecord('path', 'abc'), '12 path=abc\n');
  t.is(Buffer.byteLength(paxRecord('path', 'x'.repeat(95))), Number(paxRecord('path', 'x'.repeat(95)).split(' ')[0]));
  const buf = await tarBuffer(memoryEntries({ 'dir/f.txt': 'hey', Dockerfile: 'FROM x\n' }));
  const names: string[] = [];
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'mem.tar'), buf);
  await tar.t({ file: path.join(dir, 'mem.tar'), strict: true, onReadEntry: (e) => void names.push(e.path) });
  t.deepEqual(names, ['Dockerfile', 'dir/', 'dir/f.txt']);
});

test('tar: listTree without parents adds only the last folder of the prefix', (t) => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'HEAD'), 'x');
  t.deepEqual(listTree(dir, 'srv/repos/a.git', { parents: false }).map((e) => e.path), ['srv/repos/a.git/', 'srv/repos/a.git/HEAD']);
  t.deepEqual(listTree(dir, 'srv/a').map((e) => e.path), ['srv/', 'srv/a/', 'srv/a/HEAD']);
});

// ---- the version becomes a file name -----------------------------------------------------------

for (const bad of ['4.0/../x', '..', '4.0 0', 'a/b', '-1']) {
  test(`config: version ${JSON.stringify(bad)} would make a bad artifact name and is refused`, (t) => {
    const dir = tempDir();
    const file = writeJson(path.join(dir, 'c.json'), { version: '1' });
    inputErr(t, () => resolveConfig({ args: ['--config', file, '--contrail-version', bad], env: {}, cwd: dir }), /version|contrail-version/);
  });
}
