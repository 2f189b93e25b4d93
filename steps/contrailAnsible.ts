/**
 * contrailAnsible: contrail-ansible-<version>.tar.gz, the provisioning code with its complete
 * ansible-galaxy dependency tree, and its manifest. A ready artifact given in ansible.artifact is
 * used when reachable; otherwise the repo is checked out at its ref, the requirements are
 * installed by ansible-galaxy in a helper container, and the tree is archived reproducibly.
 * Reused while the repo's resolved commit and the requirement sources are unchanged.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fetchArtifact, gzipTarProblem } from '../lib/ansible/artifact';
import { downloadLimits } from '../lib/net/http';
import { type ClosureResult, installClosure } from '../lib/ansible/closure';
import { CONTAINER, type Layout, layoutFor, normalizeInstallInfo, topRequirementFiles } from '../lib/ansible/galaxy';
import { ensureGalaxyImage, GalaxyContainer } from '../lib/ansible/galaxyContainer';
import { ContainerInstaller } from '../lib/ansible/installer';
import {
  type AnsibleManifest,
  artifactManifest,
  gitManifest,
  manifestText,
  movableSources,
  parseManifest,
  type SourceCommits,
  sourceKey,
  staleReason,
} from '../lib/ansible/manifest';
import { parseMetaDependencies, parseRequirements, type Requirement } from '../lib/ansible/requirements';
import { listTree, writeTarGz } from '../lib/ansible/tarball';
import { LABELS, projectLabels } from '../lib/docker/labels';
import { buildError, describeError, inputError } from '../lib/errors';
import { atomicOutput, writeAtomically, writeFileAtomic } from '../lib/fs/atomic';
import { type Checkout, checkoutRef, gitMessage, lsRemote } from '../lib/git/checkout';
import { parseLsRemote, refNames, type ResolvedRef, resolveRef } from '../lib/git/refs';
import { checkGitRef, checkGitUrl } from '../lib/git/safety';
import { sha256File } from '../lib/hash';
import { ansibleArtifactName, ansibleManifestName, galaxyImageRef } from '../lib/naming';
import type { Run } from '../lib/run';
import type { AnsibleResult } from '../lib/steps';
import type { AnsiblePlan } from '../lib/plan/runPlan';
import { didYouMean, formatDuration, quote } from '../lib/text';
import { workPaths } from '../lib/workDir';
import type { BaseImage } from '../lib/docker/osImage';
import type { OsFamily } from '../lib/packages/osFamily';
import { readTextOrNull } from '../lib/fs/read';
import { findArtifact } from '../lib/cache/ansibleArtifact';
import { HOW, runCache } from '../lib/cache/run';

/** The folder the tree has inside the artifact; buildImages extracts it at '/'. */
export const ARTIFACT_ROOT = 'contrail-ansible';

interface Outputs {
  artifact: string;
  manifest: string;
}

/** The steps contrailAnsible may run (steps/index.ts mayRun): the galaxy image derives from the base image. */
interface AnsibleSteps {
  baseImage: () => Promise<BaseImage>;
  osFamily: () => Promise<OsFamily>;
}

/** A run as contrailAnsible's functions see it: with the steps it may run. */
type AnsibleRun = Run & { steps: AnsibleSteps };

export async function contrailAnsible(plain: Run, steps: AnsibleSteps): Promise<AnsibleResult> {
  const run: AnsibleRun = { ...plain, steps };
  const out = outputsOf(run);
  const given = run.config.ansible.artifact;
  return (given && (await fromGivenArtifact(run, given, out))) || fromGit(run, out);
}

/** The given artifact under the versioned name; undefined (after a warning) when it cannot be had. */
async function fromGivenArtifact(run: Run, given: string, out: Outputs): Promise<AnsibleResult | undefined> {
  const temp = atomicOutput(out.artifact);
  try {
    const fetched = await fetchArtifact(given, temp.tempPath, { ...downloadLimits(run.config.download), signal: run.signal });
    if (!fetched.reachable) {
      run.log.warn(`ansible.artifact ${given} is not reachable (${fetched.reason}); building contrail-ansible from ${run.config.ansible.repo} at ${run.config.ansible.ref} instead`);
      return undefined;
    }
    const problem = await gzipTarProblem(temp.tempPath);
    if (problem) {
      throw inputError(`ansible.artifact ${given} is reachable, but ${problem}`,
        'give a contrail-ansible .tar.gz (ansible.artifact, CONTRAIL_ANSIBLE_ARTIFACT, --ansible-artifact), or leave it unset to build from ansible.repo');
    }
    temp.commit();
  } finally {
    temp.abort();
  }
  const sha256 = await sha256File(out.artifact);
  // a manifest of ours beside a local artifact (one saved with the images) carries what it was made from
  const sibling = /^https?:\/\//.test(given) ? undefined : parseManifest(readTextOrNull(given.replace(/(\.tar\.gz|\.tgz)$/, '') + '.manifest.json') ?? '');
  const from = sibling?.sha256 === sha256 ? sibling : undefined;
  writeFileAtomic(out.manifest, manifestText(artifactManifest(path.basename(out.artifact), sha256, given, from)));
  run.log.info(`contrail-ansible: using the given artifact ${given} as ${out.artifact}`);
  return { artifact: out.artifact, sha256, commit: from?.commit ?? '', manifest: out.manifest };
}

async function fromGit(run: AnsibleRun, out: Outputs): Promise<AnsibleResult> {
  const { ref } = run.config.ansible;
  const started = Date.now();
  const resolved = await resolveAnsibleRef(run);
  const stale = await staleness(run, out, resolved);
  if (!stale) {
    const manifest = parseManifest(fs.readFileSync(out.manifest, 'utf8'))!;
    run.log.info(`contrail-ansible: ${path.basename(out.artifact)} is current (${ref} is still ${manifest.commit.slice(0, 12)}); reused in ${formatDuration(Date.now() - started)}`);
    return { artifact: out.artifact, sha256: manifest.sha256, commit: manifest.commit, manifest: out.manifest };
  }
  const cached = await fromRegistry(run, out, resolved);
  if (cached) return cached;
  run.log.info(`contrail-ansible: making ${path.basename(out.artifact)} from ${run.config.ansible.repo} at ${ref} (${stale})`);
  return build(run, out, resolved);
}

const outputsOf = (run: Run): Outputs => {
  const dir = workPaths(run.config.workDir).artifacts;
  return { artifact: path.join(dir, ansibleArtifactName(run.config.version)), manifest: path.join(dir, ansibleManifestName(run.config.version)) };
};

/**
 * What contrailAnsible would do, and the sha256 the images would see (null: made anew), read
 * without writing anything: git ls-remote, the artifact and its manifest, a registry manifest.
 * `gulp plan` prints it (steps/plan.ts).
 */
export async function ansiblePlan(run: Run): Promise<{ plan: AnsiblePlan; sha256: string | null; artifact: string }> {
  const out = outputsOf(run);
  const given = run.config.ansible.artifact;
  if (given) {
    const local = !/^https?:\/\//.test(given) && fs.existsSync(given);
    return { plan: { action: 'given', reason: `ansible.artifact ${given}, copied at build time (if unreachable then, made from ansible.repo)` }, sha256: local ? await sha256File(given) : null, artifact: out.artifact };
  }
  const resolved = await resolveAnsibleRef(run);
  const stale = await staleness(run, out, resolved);
  if (!stale) {
    const manifest = parseManifest(fs.readFileSync(out.manifest, 'utf8'))!;
    return { plan: { action: 'reuse', reason: `${run.config.ansible.ref} is still ${manifest.commit.slice(0, 12)}` }, sha256: manifest.sha256, artifact: out.artifact };
  }
  const cache = await runCache(run);
  const found = cache && resolved.commit ? await findArtifact(cache.client, cache.address, run.config.ansible.repo, resolved.commit).catch(() => null) : null;
  if (found) return { plan: { action: 'fetch', reason: `${stale}; the registry has the artifact of ${resolved.commit!.slice(0, 12)}` }, sha256: found.manifest.sha256, artifact: out.artifact };
  return { plan: { action: 'make', reason: stale }, sha256: null, artifact: out.artifact };
}

/** ansible.ref resolved with git ls-remote; an unreachable repo or unknown ref is an input error. */
async function resolveAnsibleRef(run: Run): Promise<ResolvedRef> {
  const { repo, ref } = run.config.ansible;
  // config checked these already; the step checks again, as it hands them to git
  checkGitUrl(repo, 'ansible.repo');
  checkGitRef(ref, 'ansible.ref');
  let listing: string;
  try {
    listing = await lsRemote(repo, { signal: run.signal });
  } catch (e) {
    if (run.signal.aborted) throw e;
    throw inputError(`ansible.repo ${repo} does not answer: ${gitMessage(e)}`,
      'check the URL and that the server answers (ansible.repo, CONTRAIL_ANSIBLE_REPO, --ansible-repo)');
  }
  const refs = parseLsRemote(listing);
  const resolved = resolveRef(refs, ref);
  if (!resolved) {
    const near = didYouMean(ref, refNames(refs));
    throw inputError(`ansible.ref ${quote(ref)} is not a branch, tag or commit id of ${repo}`,
      near ? `did you mean ${quote(near)}?` : `give a branch, tag or commit id of that repository (ansible.ref, CONTRAIL_ANSIBLE_REF, --ansible-ref)`);
  }
  return resolved;
}

/**
 * The artifact of this commit from the cache registry (lib/cache/ansibleArtifact.ts), when every
 * requirement source it was made from still resolves to the same commit; undefined otherwise.
 */
async function fromRegistry(run: Run, out: Outputs, resolved: ResolvedRef): Promise<AnsibleResult | undefined> {
  const cache = await runCache(run);
  const commit = resolved.commit;
  if (!cache || !commit) return undefined;
  const { repo, ref } = run.config.ansible;
  try {
    const found = await findArtifact(cache.client, cache.address, repo, commit);
    if (!found) return undefined;
    for (const s of movableSources(found.manifest)) {
      if ((await sourceCommit(s.src, s.version, run.signal)) !== s.commit) return undefined;
    }
    const data = await found.fetch();
    await writeAtomically(out.artifact, async (temp) => fs.writeFileSync(temp, data));
    const manifest = { ...found.manifest, artifact: path.basename(out.artifact), ref };
    writeFileAtomic(out.manifest, manifestText(manifest));
    run.log.info(`contrail-ansible: ${HOW.registry}: ${path.basename(out.artifact)} of ${commit.slice(0, 12)} (sha256 ${manifest.sha256.slice(0, 12)}), no ansible-galaxy run`);
    return { artifact: out.artifact, sha256: manifest.sha256, commit: manifest.commit, manifest: out.manifest };
  } catch (e) {
    if (run.signal.aborted) throw e;
    run.log.warn(`contrail-ansible: the cache registry's artifact cannot be used (${describeError(e)}); making it here`);
    return undefined;
  }
}

/** Why the artifact must be made (again), or null when it is current. */
async function staleness(run: Run, out: Outputs, resolved: ResolvedRef): Promise<string | null> {
  const { repo, ref } = run.config.ansible;
  const artifactSha256 = fs.existsSync(out.artifact) ? await sha256File(out.artifact) : null;
  const text = readTextOrNull(out.manifest);
  const manifest = text === null ? undefined : parseManifest(text);
  const reason = staleReason(manifest, { repo, ref, commit: resolved.commit, artifactSha256 });
  if (reason || !manifest) return reason;
  const moved = await Promise.all(movableSources(manifest).map(async (s) => {
    const now = await sourceCommit(s.src, s.version, run.signal);
    return now === null || now !== s.commit ? `${s.src}${s.version ? ` ${s.version}` : ''} moved (or does not answer)` : null;
  }));
  return moved.find((m) => m !== null) ?? null;
}

/** What a git requirement source's version points at now; null when it cannot be told. */
async function sourceCommit(src: string, version: string, signal: AbortSignal): Promise<string | null> {
  try {
    return resolveRef(parseLsRemote(await lsRemote(src, { signal, idleTimeoutMs: 30_000 })), version || 'HEAD')?.commit ?? null;
  } catch {
    return null;
  }
}

async function sourceCommits(closure: ClosureResult, signal: AbortSignal): Promise<SourceCommits> {
  const wanted = new Map<string, { src: string; version: string }>();
  for (const r of closure.roles) if (r.scm === 'git' && r.src) wanted.set(sourceKey(r.src, r.version), r);
  for (const c of closure.collections) {
    if (c.requirement.type === 'git' && !c.dependency) wanted.set(sourceKey(c.requirement.src, c.requirement.version), c.requirement);
  }
  const commits: SourceCommits = new Map();
  await Promise.all([...wanted].map(async ([key, s]) => commits.set(key, await sourceCommit(s.src.replace(/#.*$/, ''), s.version, signal))));
  return commits;
}

function repoFiles(root: string): string[] {
  return listTree(root, '', { skipGit: true }).filter((e) => e.type === 'file').map((e) => e.path);
}

function subfolders(dir: string): string[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  } catch {
    return [];
  }
}

async function build(run: AnsibleRun, out: Outputs, resolved: ResolvedRef): Promise<AnsibleResult> {
  const paths = workPaths(run.config.workDir);
  fs.mkdirSync(paths.tmp, { recursive: true });
  const scratch = fs.mkdtempSync(path.join(paths.tmp, 'contrail-ansible-'));
  try {
    const src = path.join(scratch, ARTIFACT_ROOT);
    const head = await checkout(run, resolved, src);
    const layout = layoutFor(fs.existsSync(path.join(src, 'playbooks', 'roles')));
    const closure = await installRequirements(run, src, layout);
    for (const role of closure.roles) {
      const info = path.join(src, layout.rolesPath, role.name, 'meta', '.galaxy_install_info');
      const text = readTextOrNull(info);
      if (text !== null) fs.writeFileSync(info, normalizeInstallInfo(text, head.time));
    }
    await writeAtomically(out.artifact, (temp) => writeTarGz(src, `${ARTIFACT_ROOT}/`, temp, { mtime: head.time, skipGit: true }));
    return await recordArtifact(run, out, head, layout, closure);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** The repository at the resolved ref, without its .git folder. */
async function checkout(run: Run, resolved: ResolvedRef, src: string): Promise<Checkout> {
  const { repo, ref } = run.config.ansible;
  let head: Checkout;
  try {
    head = await checkoutRef(repo, resolved, src, { signal: run.signal });
  } catch (e) {
    if (run.signal.aborted) throw e;
    if (resolved.kind === 'commit') {
      throw inputError(`ansible.ref ${quote(ref)}: ${repo} has no commit ${ref} (${gitMessage(e)})`, 'give a commit id of that repository, or a branch or tag');
    }
    throw buildError(`cannot check out ${ref} of ${repo}: ${gitMessage(e)}`, 'check that the repository answers, then run again');
  }
  fs.rmSync(path.join(src, '.git'), { recursive: true, force: true });
  return head;
}

/** Every requirement of the repository (its requirements files, its own roles' dependencies) installed beside it. */
async function installRequirements(run: AnsibleRun, src: string, layout: Layout): Promise<ClosureResult> {
  const top: Requirement[] = [];
  for (const file of topRequirementFiles(repoFiles(src))) {
    const parsed = parseRequirements(fs.readFileSync(path.join(src, file), 'utf8'), file);
    top.push(...parsed.roles, ...parsed.collections);
  }
  // the repository's own roles may depend on roles it does not carry; nothing installs those but us
  const ownRoles = subfolders(path.join(src, layout.rolesPath));
  for (const role of ownRoles) top.push(...ownRoleDependencies(src, `${layout.rolesPath}/${role}`));
  if (top.length === 0) return { roles: [], collections: [], warnings: [] };
  const closure = await installWithGalaxy(run, src, layout, top, ownRoles);
  for (const w of closure.warnings) run.log.warn(`contrail-ansible: ${w}`);
  return closure;
}

/** The manifest beside the artifact: what it was made from, every role and collection with its commit. */
async function recordArtifact(run: Run, out: Outputs, head: Checkout, layout: Layout, closure: ClosureResult): Promise<AnsibleResult> {
  const { repo, ref } = run.config.ansible;
  const sha256 = await sha256File(out.artifact);
  const manifest: AnsibleManifest = gitManifest({
    artifact: path.basename(out.artifact),
    sha256,
    repo,
    ref,
    commit: head.commit,
    commitTime: head.time,
    rolesPath: `${ARTIFACT_ROOT}/${layout.rolesPath}`,
    collectionsPath: `${ARTIFACT_ROOT}/${layout.collectionsPath}`,
    closure,
    commits: await sourceCommits(closure, run.signal),
  });
  writeFileAtomic(out.manifest, manifestText(manifest));
  run.log.info(`contrail-ansible: ${out.artifact} (${head.commit.slice(0, 12)}, ${manifest.roles.length} roles, ${manifest.collections.length} collections)`);
  return { artifact: out.artifact, sha256, commit: head.commit, manifest: out.manifest };
}

/** The fetchable meta/main.yml dependencies of a role the repository carries (none when its meta does not parse: ansible reports that when it runs). */
function ownRoleDependencies(src: string, roleDir: string): Requirement[] {
  for (const name of ['main.yml', 'main.yaml']) {
    const file = `${roleDir}/meta/${name}`;
    const text = readTextOrNull(path.join(src, file));
    if (text === null) continue;
    try {
      return parseMetaDependencies(text, file);
    } catch {
      return [];
    }
  }
  return [];
}

async function installWithGalaxy(run: AnsibleRun, src: string, layout: Layout, top: Requirement[], ownRoles: string[]): Promise<ClosureResult> {
  const docker = await run.engine();
  const base = await run.steps.baseImage();
  const paths = workPaths(run.config.workDir);
  const image = await ensureGalaxyImage(docker, {
    ref: galaxyImageRef(run.config.os, run.config.version),
    base,
    os: run.config.os,
    version: run.config.version,
    network: run.config.network,
    logFile: path.join(paths.logs, 'contrail-galaxy-image.log'),
    signal: run.signal,
    family: await run.steps.osFamily(),
  }, run.log);
  const box = await GalaxyContainer.start(docker, image.ref, {
    network: run.config.network,
    labels: projectLabels('build-step', { [LABELS.workDir]: run.config.workDir }),
    logFile: path.join(paths.logs, 'contrail-ansible-galaxy.log'),
    signal: run.signal,
  });
  try {
    await box.copyIn(listTree(src, CONTAINER.checkout.slice(1), { skipGit: true }));
    const installer = new ContainerInstaller(box, src, layout, run.signal);
    return await installClosure(top, installer, ownRoles, layout.rolesPath);
  } finally {
    await box.remove();
  }
}
