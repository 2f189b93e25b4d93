/**
 * The supply-chain documents of a small family of the test's own, through the gulp CLI, built from
 * two recipe sources served by a git server on 127.0.0.1 that requires basic auth (the password
 * given in the manifest URL):
 *   - pushed to a registry with htpasswd (built with --no-cache), then, its images gone from this
 *     engine, pushed to a second, open registry with the first as the cache: every image is taken
 *     from the cache, and the second registry gets the very documents the first holds (the build's
 *     facts, --no-cache among them, not this run's), read there by skopeo through the tag schema;
 *   - saved (taken from the cache registry again, pulled: the saved documents are the ones it
 *     holds), one package source changed (its package's version), saved again: sbomDiff names
 *     exactly the images that install that package, though the repo's whole index is in another
 *     image's inputs (rebuilt, same packages: unchanged);
 *   - the git password and the registry password (and their base64 forms) are in no output of any
 *     run, no file of the work and save folders, and no blob of either registry (documents, image
 *     configs with their labels and history).
 * Version t-sb-43 and ports 22300-22399 are this file's own.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import { simpleGit } from 'simple-git';
import type { Summary } from '../../lib/images/summary';
import { imageRef, repoImageRef } from '../../lib/naming';
import { OCI_INDEX, referrersTag } from '../../lib/push/referrers';
import { RegistryClient } from '../../lib/push/registryApi';
import { SBOM_MEDIA_TYPE } from '../../lib/sbom/cyclonedx';
import type { ImageDiff } from '../../lib/sbom/diff';
import { PROVENANCE_MEDIA_TYPE } from '../../lib/sbom/provenance';
import type { SaveManifest } from '../../lib/save/manifest';
import { demoBaseImage, docker, removeImage } from '../helpers/docker';
import { gitHttpServer, type GitHttpServer } from '../helpers/gitHttp';
import { gitRepo } from '../helpers/gitRepo';
import { runGulp } from '../helpers/gulp';
import { oneOf, removeDanglingAfter } from '../helpers/leftovers';
import { startRegistry, type TestRegistry } from '../helpers/registry';
import { writeFamilyFiles } from '../helpers/recipeFamily';
import { tempDir, writeJson } from '../helpers/temp';

const VERSION = 't-sb-43';
const OS = 'debian12';
const REPO_PORT = 22302;
const GIT_PORT = 22301;
const GIT_USER = 'sb-git';
const GIT_SECRET = 'Git-pw-sb43-nowhere';
const REG_USER = 'sb-pusher';
const REG_PASSWORD = 'Reg-pw-sb43-nowhere';
const NEEDLES = [GIT_SECRET, REG_PASSWORD, Buffer.from(`${GIT_USER}:${GIT_SECRET}`).toString('base64'), Buffer.from(`${REG_USER}:${REG_PASSWORD}`).toString('base64')];
const echo = !!process.env.TEST_ECHO;
removeDanglingAfter(test, oneOf(VERSION));

/** <name>_<version>_all.deb, its version read from a project of the sandbox */
const MAKE_DEB = `#!/bin/bash
set -euo pipefail
name=$1; version=$(cat "$2")
root=build/packages/$name
mkdir -p $root/DEBIAN $root/usr/share/$name
cp "$2" $root/usr/share/$name/VERSION
printf 'Package: %s\\nVersion: %s\\nArchitecture: all\\nMaintainer: tests <tests@opencontrail.invalid>\\nDescription: tiny\\n' "$name" "$version" > $root/DEBIAN/control
dpkg-deb --root-owner-group --build $root build/packages/\${name}_\${version}_all.deb
`;

/** one manifest per source: the tools, and the source's own project */
const manifest = (project: string) => `<manifest>
  <remote name="origin" fetch=".."/>
  <default revision="main" remote="origin"/>
  <project name="tiny-tools" path="tools"/>
  <project name="${project}-src" path="${project}"/>
</manifest>
`;

const INSTALL = 'ARG CONTRAIL_REPO_URL\nARG CONTRAIL_REPO_HOST\nARG CONTRAIL_REPO_DIST\nARG CONTRAIL_REPO_KEY\nARG CONTRAIL_REPO_PRIORITY\nARG PACKAGES\nRUN contrail-install $PACKAGES\n';
const FROM_ROOT = 'ARG OS\nARG CONTRAIL_VERSION\nFROM contrail-root-${OS}:${CONTRAIL_VERSION}\n';
const IMAGES: Record<string, { dockerfile: string; packages: string[] }> = {
  // the distribution's indexes once, so contrail-install below fetches only the contrail repo's
  root: { dockerfile: 'FROM debian:bookworm\nRUN apt-get update\nCOPY contrail-install /usr/local/sbin/contrail-install\n', packages: [] },
  // bash is not the repo's: its input takes the repo's whole index (as the demo's contrail-base
  // does), so any package change rebuilds it, with the same packages
  shell: { dockerfile: FROM_ROOT + INSTALL, packages: ['bash'] },
  alpha: { dockerfile: FROM_ROOT + INSTALL, packages: ['tiny-alpha'] },
  child: { dockerfile: 'ARG OS\nARG CONTRAIL_VERSION\nFROM contrail-alpha-${OS}:${CONTRAIL_VERSION}\nRUN test -f /usr/share/tiny-alpha/VERSION\n', packages: [] },
  beta: { dockerfile: FROM_ROOT + INSTALL, packages: ['tiny-beta'] },
};
const NAMES = Object.keys(IMAGES);

let root: string;
let workDir: string;
let config: string;
let git: GitHttpServer;
let cacheRegistry: TestRegistry;
let otherRegistry: TestRegistry;
const outputs: string[] = [];

async function served(name: string, files: Record<string, string>): Promise<void> {
  const work = path.join(root, 'src', name);
  await gitRepo(work, files);
  const bare = path.join(root, 'served', name);
  if (!fs.existsSync(bare)) await simpleGit(root).clone(work, bare, ['--bare']);
  else await simpleGit(work).push(bare, 'main');
}

test.before(async () => {
  await demoBaseImage();
  root = tempDir('sb-family-');
  workDir = path.join(root, 'work');
  await served('contrail-vnc', { 'alpha.xml': manifest('alpha'), 'beta.xml': manifest('beta') });
  await served('tiny-tools', { 'make-deb.sh': MAKE_DEB });
  await served('alpha-src', { VERSION: '1\n' });
  await served('beta-src', { VERSION: '1\n' });
  git = await gitHttpServer(path.join(root, 'served'), GIT_USER, GIT_SECRET, GIT_PORT);
  const images = await writeFamilyFiles(root, IMAGES);
  const source = (name: string) => ({
    name, manifest: { url: `http://${GIT_USER}:${GIT_SECRET}@127.0.0.1:${GIT_PORT}/contrail-vnc`, ref: 'main', file: `${name}.xml` },
    steps: [`bash tools/make-deb.sh tiny-${name} ${name}/VERSION`], outputs: ['build/packages/*.deb'],
  });
  config = writeJson(path.join(root, 'config.json'), {
    version: VERSION, os: OS, osFamily: 'deb', baseImage: 'debian:bookworm', bootstrap: { suite: 'bookworm' }, workDir, jobs: 2,
    packages: { build: { sources: [source('alpha'), source('beta')], expect: ['tiny-alpha', 'tiny-beta'] } },
    repo: { host: '127.0.0.1', port: REPO_PORT },
    ansible: { artifact: path.join(root, 'ansible.tar.gz') },
    images,
  });
  cacheRegistry = await startRegistry(22310, { auth: { user: REG_USER, password: REG_PASSWORD } });
  otherRegistry = await startRegistry(22311);
});

test.after.always(async () => {
  await runGulp(['clean', '--config', config]).catch(() => undefined);
  await cacheRegistry?.stop();
  await otherRegistry?.stop();
  await git?.close();
});

const env = () => ({ CONTAINER_REGISTRY_PASSWORD: REG_PASSWORD, DOCKER_CONFIG: tempDir('sb-docker-config-') });
async function gulp(...args: string[]): Promise<{ code: number | null; out: string; stdout: string }> {
  const r = await runGulp([args[0], '--config', config, ...args.slice(1)], env());
  const out = r.stdout + r.stderr;
  if (echo) console.log(out);
  outputs.push(out);
  return { code: r.code, out, stdout: r.stdout };
}

const summary = (): Summary => JSON.parse(fs.readFileSync(path.join(workDir, 'summary.json'), 'utf8'));
const registryName = (name: string) => imageRef(name, OS, VERSION).split(':')[0];

/** `docker://host/ref` as skopeo reads it (credentials for the cache registry). */
function skopeo(registry: TestRegistry, ref: string): string {
  const creds = registry.user ? ['--creds', `${registry.user}:${registry.password}`] : [];
  const r = spawnSync('skopeo', ['inspect', '--raw', '--tls-verify=false', ...creds, `docker://${registry.address}/${ref}`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`skopeo inspect ${ref}: ${r.stderr}`);
  return r.stdout;
}

interface Attached { digest: string; subject: string; layer: string; text: string }

/** The SBOM and provenance attached to `name:VERSION` in `registry`, read as skopeo reads the tag schema. */
async function attached(registry: TestRegistry, name: string): Promise<Record<string, Attached>> {
  const digest = (await registry.manifestDigest(name, VERSION))!;
  const index = JSON.parse(skopeo(registry, `${name}:${referrersTag(digest)}`)) as { mediaType: string; manifests: { artifactType: string; digest: string }[] };
  if (index.mediaType !== OCI_INDEX) throw new Error(`${name}: the tag-schema index is ${index.mediaType}`);
  const client = new RegistryClient({ host: registry.address, scheme: 'http', credentials: (registry.user ? { username: registry.user, password: registry.password } : null) as never });
  const out: Record<string, Attached> = {};
  for (const m of index.manifests) {
    const art = JSON.parse(skopeo(registry, `${name}@${m.digest}`)) as { subject: { digest: string }; layers: { digest: string }[] };
    out[m.artifactType] = { digest: m.digest, subject: art.subject.digest, layer: art.layers[0].digest, text: (await client.blobBytes(name, art.layers[0].digest)).toString('utf8') };
  }
  return out;
}

test.serial('an image taken from the cache registry, pushed to another registry, takes along the documents it was built with', async (t) => {
  const first = await gulp('push', '--registry', cacheRegistry.address, '--registry-user', REG_USER, '--no-cache');
  t.is(first.code, 0, first.out);
  t.true(git.authorized > 0, 'git was asked with the credentials');
  // this engine keeps none of the family: each is only in the cache registry
  for (const n of NAMES) await removeImage(imageRef(n, OS, VERSION));

  const second = await gulp('push', '--registry', otherRegistry.address, '--cache-registry', cacheRegistry.address, '--registry-user', REG_USER);
  t.is(second.code, 0, second.out);
  t.deepEqual(Object.fromEntries(summary().images.map((i) => [i.component, i.how])), Object.fromEntries(NAMES.map((n) => [n, 'from the registry'])));
  t.regex(second.out, new RegExp(`SBOM and provenance: ${NAMES.length} of ${NAMES.length} images taken from the cache registry keep the documents they were built with`));
  for (const n of NAMES) {
    const name = registryName(n);
    const there = await attached(otherRegistry, name);
    const built = await attached(cacheRegistry, name);
    t.deepEqual(Object.keys(there).sort(), [PROVENANCE_MEDIA_TYPE, SBOM_MEDIA_TYPE].sort(), n);
    t.is(there[SBOM_MEDIA_TYPE].subject, (await otherRegistry.manifestDigest(name, VERSION)) ?? 'none', `${n}: the SBOM refers to the image in the second registry`);
    for (const type of [SBOM_MEDIA_TYPE, PROVENANCE_MEDIA_TYPE]) t.is(there[type].layer, built[type].layer, `${n}: the same ${type} document as the cache registry's`);
    // what a new document would say otherwise: this run is no --no-cache build
    const provenance = JSON.parse(there[PROVENANCE_MEDIA_TYPE].text) as { predicate: { buildDefinition: { externalParameters: { noCache: boolean } }; runDetails: { metadata: { startedOn: string; finishedOn: string } } } };
    t.true(provenance.predicate.buildDefinition.externalParameters.noCache, `${n}: the provenance of the --no-cache build`);
    const image = await docker.getImage(imageRef(n, OS, VERSION)).inspect();
    t.is(provenance.predicate.runDetails.metadata.finishedOn, new Date(image.Created).toISOString(), n);
  }
});

test.serial('one package source changed: the SBOM diff of two saves names exactly the images installing its package', async (t) => {
  const before = path.join(root, 'save-before');
  const after = path.join(root, 'save-after');
  // save takes them from the cache registry too (pulled), with the documents they were built with there
  for (const n of NAMES) await removeImage(imageRef(n, OS, VERSION));
  const a = await gulp('save', '--save-dir', before, '--cache-registry', cacheRegistry.address, '--registry-user', REG_USER);
  t.is(a.code, 0, a.out);
  t.regex(a.out, new RegExp(`SBOM and provenance: ${NAMES.length} of ${NAMES.length} images taken from the cache registry keep the documents they were built with`));
  for (const n of NAMES) {
    const kept = await attached(cacheRegistry, registryName(n));
    t.is(fs.readFileSync(path.join(before, 'provenance', `${registryName(n)}.intoto.json`), 'utf8'), kept[PROVENANCE_MEDIA_TYPE].text, `${n}: the saved provenance is the cache registry's`);
  }
  await served('alpha-src', { VERSION: '2\n' });
  const b = await gulp('save', '--save-dir', after);
  t.is(b.code, 0, b.out);
  t.regex(b.out, /packageBuild: alpha \(\d\/\d\): building/);
  t.notRegex(b.out, /packageBuild: beta \(\d\/\d\): building/);
  const ids = (dir: string) => new Map((JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as SaveManifest).images.map((i) => [i.component, i.id]));
  const [was, now] = [ids(before), ids(after)];
  // rebuilt: the image installing the package, its child, and shell (the whole index in its inputs)
  for (const n of NAMES) t.is(was.get(n) !== now.get(n), ['alpha', 'child', 'shell'].includes(n), `${n} rebuilt or not`);

  const diff = await gulp('sbomDiff', '--from', before, '--to', after, '--json', '--silent');
  t.is(diff.code, 0, diff.out);
  const images = (JSON.parse(diff.stdout.split('\n').find((l) => l.startsWith('{'))!) as { images: ImageDiff[] }).images;
  const changed = images.filter((d) => d.in !== 'both' || d.added.length || d.removed.length || d.changed.length);
  t.deepEqual(changed, ['alpha', 'child'].map((n) => ({ image: registryName(n), in: 'both', added: [], removed: [], changed: [{ name: 'tiny-alpha', arch: 'all', from: '1', to: '2' }] })));
  // every other image (shell rebuilt, beta and root not, the repo) is listed and unchanged
  t.deepEqual(images.map((d) => d.image).sort(), [...NAMES.map(registryName), repoImageRef(OS, VERSION).split(':')[0]].sort());
  const text = await gulp('sbomDiff', '--from', before, '--to', after);
  t.regex(text.out, new RegExp(`${registryName('shell')}: unchanged`));
  t.regex(text.out, new RegExp(`${registryName('alpha')}: 0 added, 0 removed, 1 changed`));
});

/** every file under `dir` (links not followed) holding one of the needles */
function filesHolding(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => {
    const full = path.join(dir, f);
    return fs.lstatSync(full).isFile() && NEEDLES.some((n) => fs.readFileSync(full).toString('latin1').includes(n));
  });
}

test.serial('the git password and the registry password: in no output, no file of the work or save folders, no blob of either registry', (t) => {
  t.true(outputs.length >= 5, 'the runs above happened');
  for (const [k, out] of outputs.entries()) for (const n of NEEDLES) t.false(out.includes(n), `output of run ${k + 1}`);
  for (const dir of [workDir, path.join(root, 'save-before'), path.join(root, 'save-after'), cacheRegistry.storage, otherRegistry.storage]) t.deepEqual(filesHolding(dir), [], dir);
  // the documents do name the source, redacted: the check above looked where the URL went
  const sbom = fs.readFileSync(path.join(root, 'save-after', 'sbom', `${registryName('alpha')}.cdx.json`), 'utf8');
  t.true(sbom.includes(`http://***@127.0.0.1:${GIT_PORT}/contrail-vnc`), 'the alpha SBOM names the manifest repository, redacted');
  const provenance = fs.readFileSync(path.join(root, 'save-after', 'provenance', `${registryName('alpha')}.intoto.json`), 'utf8');
  t.regex(provenance, new RegExp(`http://\\*\\*\\*@127\\.0\\.0\\.1:${GIT_PORT}/+alpha-src`), 'the provenance names the sandbox project, redacted');
});
