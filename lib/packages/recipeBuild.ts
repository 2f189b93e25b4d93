/**
 * A recipe source built in the running builder container: the sandbox goes in through the engine
 * API (git metadata and symlinks kept), the builder's extra apt sources and packages and the
 * build dependencies of the recipe's control (deb) or spec (rpm) files are installed, as the
 * family prepares its builder (PackageFamily.recipePrepare), then each step runs at the sandbox
 * top with `bash -euo pipefail -c`, and the files matching `outputs` are collected into
 * /build/out/<name> (and the local repository, for the sources after it).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type Docker from 'dockerode';
import type { BuilderConfig, RecipeSource } from '../config/types';
import { logTail } from '../docker/build';
import { execCapture, execIn } from '../docker/exec';
import { putFolder } from '../docker/archive';
import { buildError, inputError } from '../errors';
import { quote } from '../text';
import { binaryKey } from './aptKey';
import type { PackageFamily } from './family';
import { BUILD_ENV } from './builder';

export interface RecipeBuild {
  container: Docker.Container;
  /** deb or rpm: how the builder is prepared and what the buildDepends files are */
  family: Pick<PackageFamily, 'recipePrepare' | 'recipeDepsFile'>;
  source: RecipeSource;
  /** names the source for messages: packages.build.sources[0] ("contrail") */
  what: string;
  index: number;
  sandboxDir: string;
  builder: BuilderConfig;
  version: string;
  os: string;
  jobs: number;
  logFile: string;
  signal?: AbortSignal;
}

/** Copies the files matching the globs (relative to the sandbox) into $OUT, one name per line. */
export const COLLECT = String.raw`
shopt -s nullglob globstar
cd "$SANDBOX"
mkdir -p "$OUT"
IFS=
for glob in "$@"; do
  for f in $glob; do
    if [ -f "$f" ]; then cp "$f" "$OUT/"; cp "$f" /build/repo/; printf '%s\n' "$f"; fi
  done
done
`;

/** Step environment: what packages.make and a user's steps read. */
export function stepEnvironment(b: Pick<RecipeBuild, 'version' | 'os' | 'jobs'>, series: string): string[] {
  return [...BUILD_ENV, `CONTRAIL_VERSION=${b.version}`, `OS=${b.os}`, `SERIES=${series}`, `JOBS=${b.jobs}`];
}

async function putAptSources(container: Docker.Container, builder: BuilderConfig): Promise<void> {
  if (builder.aptSources.length === 0) return;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'contrail-apt-'));
  try {
    const keys = path.join(tmp, 'etc', 'apt', 'trusted.gpg.d');
    const lists = path.join(tmp, 'etc', 'apt', 'sources.list.d');
    fs.mkdirSync(keys, { recursive: true });
    fs.mkdirSync(lists, { recursive: true });
    builder.aptSources.forEach((s, i) => {
      const what = `packages.build.builder.aptSources[${i}].key`;
      let data: Buffer;
      try {
        data = fs.readFileSync(s.key);
      } catch (e) {
        throw inputError(`${what} ${quote(s.key)} cannot be read (${(e as NodeJS.ErrnoException).code})`, 'give the file of the source\'s signing key');
      }
      fs.writeFileSync(path.join(keys, `contrail-builder-${i}.gpg`), binaryKey(data, `${what} ${quote(s.key)}`), { mode: 0o644 });
    });
    fs.writeFileSync(path.join(lists, 'contrail-builder.list'), `${builder.aptSources.map((s) => s.line).join('\n')}\n`, { mode: 0o644 });
    await putFolder(container, tmp, '/');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The buildDepends control files, reduced to their build dependencies, to /build/deps/<source>/<path>. */
async function putBuildDeps(container: Docker.Container, family: RecipeBuild['family'], source: RecipeSource, sandboxDir: string, note: (line: string) => void): Promise<void> {
  if (source.buildDepends.length === 0) return;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'contrail-deps-'));
  try {
    source.buildDepends.forEach((c, i) => {
      const { text, dropped } = family.recipeDepsFile(fs.readFileSync(path.join(sandboxDir, c), 'utf8'), `${source.name}-build-deps-${i}`);
      if (dropped.length) note(`== ${c}: not package relations, left out: ${dropped.join(', ')}`);
      fs.mkdirSync(path.dirname(path.join(tmp, c)), { recursive: true });
      fs.writeFileSync(path.join(tmp, c), text);
    });
    await putFolder(container, tmp, '/build', { prefix: `deps/${source.name}` });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Checks the recipe's files in the laid-out sandbox before any Docker work. */
export function checkRecipeFiles(source: RecipeSource, index: number, sandboxDir: string): void {
  source.buildDepends.forEach((c, i) => {
    const full = path.join(sandboxDir, c);
    if (!fs.existsSync(full) || !fs.statSync(full).isFile()) {
      throw inputError(`packages.build.sources[${index}].buildDepends[${i}] ${quote(c)} is not a file in the sandbox`, 'name a debian/control file (a spec file for the rpm family) by its path from the sandbox top, e.g. tools/packages/debian/contrail/debian/control');
    }
  });
}

/** Runs the recipe; its outputs end up in the container's /build/out/<name>, where Builder.outputs() finds them. */
export async function buildRecipe(b: RecipeBuild): Promise<void> {
  const { container, source, logFile, signal } = b;
  const sandbox = `/build/src/${source.name}/sandbox`;
  await putFolder(container, b.sandboxDir, '/build/src', { prefix: `${source.name}/sandbox` });
  await putAptSources(container, b.builder);
  const series = (await execCapture(container, ['sh', '-c', '. /etc/os-release; echo "${VERSION_CODENAME:-${UBUNTU_CODENAME:-}}"'])).stdout.toString().trim();
  const env = stepEnvironment(b, series);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const fd = fs.openSync(logFile, 'w');
  const run = async (cmd: string[], extraEnv: string[] = []) => execIn(container, cmd, {
    env: [...env, `SANDBOX=${sandbox}`, ...extraEnv], workingDir: sandbox, signal,
    onStdout: (d) => fs.writeSync(fd, d), onStderr: (d) => fs.writeSync(fd, d),
  });
  const failed = (message: string) =>
    buildError(`packageBuild: source ${source.name} ${message}`, `see its log: ${logFile}`, { details: logTail(logFile) });
  try {
    fs.writeSync(fd, `== sandbox ${sandbox}; CONTRAIL_VERSION=${b.version} OS=${b.os} SERIES=${series} JOBS=${b.jobs}\n`);
    await putBuildDeps(container, b.family, source, b.sandboxDir, (line) => fs.writeSync(fd, `${line}\n`));
    const prepared = await run(['bash', '-euo', 'pipefail', '-c', b.family.recipePrepare, 'prepare', ...source.buildDepends], [`EXTRA_PACKAGES=${b.builder.packages.join(' ')}`, `SOURCE=${source.name}`]);
    if (signal?.aborted) throw buildError(`packageBuild: interrupted while building ${source.name}`);
    if (prepared !== 0) throw failed(`failed to install the builder's packages and build dependencies (exit code ${prepared})`);
    for (const [i, step] of source.steps.entries()) {
      fs.writeSync(fd, `== step ${i + 1}/${source.steps.length}: ${step}\n`);
      const code = await run(['bash', '-euo', 'pipefail', '-c', step]);
      if (signal?.aborted) throw buildError(`packageBuild: interrupted while building ${source.name}`);
      if (code !== 0) throw failed(`failed at step ${i + 1} of ${source.steps.length} (${quote(step)}): exit code ${code}`);
    }
    const out = await execCapture(container, ['bash', '-c', `SANDBOX=${sandbox} OUT=/build/out/${source.name}; export SANDBOX OUT; ${COLLECT}`, 'collect', ...source.outputs]);
    if (out.code !== 0) throw failed(`its outputs could not be collected: ${out.stderr.trim()}`);
    const files = out.stdout.toString().split('\n').filter(Boolean);
    fs.writeSync(fd, `== outputs\n${files.join('\n')}\n`);
    if (files.length === 0) {
      throw inputError(`packages.build.sources[${b.index}].outputs (${source.outputs.map((o) => quote(o)).join(', ')}) matched no file after the steps of ${quote(source.name)}`,
        `the log lists what the steps did: ${logFile}; the globs are relative to the sandbox top, e.g. build/packages/*.deb`);
    }
  } finally {
    fs.closeSync(fd);
  }
}
