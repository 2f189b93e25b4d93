/**
 * Resolves a build's config: built-in defaults < config file < environment < flags.
 * Reads one file; everything else is pure, so unit tests cover it without Docker.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveEngines } from '../docker/engines';
import { inputError } from '../errors';
import { checkGitRef, checkGitUrl } from '../git/safety';
import { quote } from '../text';
import { cacheRegistryOf, checkHost, checkPathOrUrl, isLoopback, parseRegistry } from './checks';
import { builtinDefaults, MANIFEST_LIMITS, PROJECT_ROOT, REGISTRY_LIMITS } from './defaults';
import { preflight } from './preflight';
import { environmentSettings, parseFlags, type Setting } from './overlays';
import type { Config, ImageRecipe, Origins, PackageSource } from './types';
import { builderConfig, recipeSource } from '../packages/recipeConfig';
import { ciConfig } from './ciConfig';
import { keyPath, originOf, validateAgainstSchema } from './validate';

export interface ConfigInputs {
  /** command-line arguments after `gulp` */
  args?: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface ResolvedConfig extends Config {
  /** task flags that are not part of a build's description */
  flags: { all: boolean; wait: boolean; json?: boolean; from?: string | null; to?: string | null; cacheOnly: boolean; check: boolean; out?: string };
}

type Json = Record<string, any>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads and parses a config file; a missing or malformed file is one input error naming it. */
export function readConfigFile(file: string): Json {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw inputError(
      code === 'ENOENT' ? `config file ${file} does not exist` : `config file ${file} cannot be read (${code})`,
      'give an existing file with --config FILE, e.g. --config examples/demo/config.json',
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    let where = '';
    if (pos) {
      const before = text.slice(0, Number(pos[1]));
      const line = before.split('\n').length;
      const col = Number(pos[1]) - before.lastIndexOf('\n');
      where = ` at line ${line}, column ${col}`;
    }
    throw inputError(`config file ${file} is not valid JSON${where}: ${msg}`, 'fix the JSON syntax (no comments, no trailing commas)');
  }
  if (!isObject(data)) throw inputError(`config file ${file} must hold a JSON object`, 'see config.schema.json');
  return data;
}

/** Deep-merges `layer` into `target` (arrays and scalars replace), recording where each value came from. */
function mergeLayer(target: Json, layer: Json, origin: string, origins: Origins, prefix: string[] = []): void {
  for (const [k, v] of Object.entries(layer)) {
    const p = [...prefix, k];
    if (isObject(v) && isObject(target[k])) {
      mergeLayer(target[k], v, origin, origins, p);
    } else {
      target[k] = isObject(v) ? structuredClone(v) : v;
    }
    origins.set(p.join('.'), origin);
    if (isObject(v)) markAll(v, origin, origins, p);
  }
}

function markAll(v: Json, origin: string, origins: Origins, prefix: string[]): void {
  for (const [k, c] of Object.entries(v)) {
    const p = [...prefix, k];
    origins.set(p.join('.'), origin);
    if (isObject(c)) markAll(c, origin, origins, p);
  }
}

function applySetting(target: Json, s: Setting, origins: Origins): void {
  let o = target;
  for (const k of s.path.slice(0, -1)) {
    if (!isObject(o[k])) o[k] = {};
    o = o[k];
  }
  o[s.path[s.path.length - 1]] = s.value;
  origins.set(s.path.join('.'), s.origin);
}

/** The layers merged (defaults < file < environment < flags) and schema-checked, with where each value came from. */
interface MergedConfig {
  configFile: string | null;
  merged: Json;
  origins: Origins;
  taskFlags: ResolvedConfig['flags'];
  /** resolves paths and names keys as the value's origin says */
  place: Place;
}

export function resolveConfig(inputs: ConfigInputs = {}): ResolvedConfig {
  const { configFile, merged, taskFlags, place } = mergeLayers(inputs);
  const registry = merged.registry as string | null;
  const registryAddress = registry === null ? null : parseRegistry(registry, place.where(['registry']));
  const cacheRegistry = cacheRegistryOf(merged.cache?.registry ?? null, registry, place.where(['cache', 'registry']));
  const repo = checkRepo(merged.repo as Config['repo'], place);
  const ansible = merged.ansible as Config['ansible'];
  ansible.repo = place.gitLocation(ansible.repo, ['ansible', 'repo']);
  checkGitUrl(ansible.repo, place.where(['ansible', 'repo']));
  checkGitRef(ansible.ref, place.where(['ansible', 'ref']));
  const images = resolveImages(merged.images as Record<string, Json>, place);
  const select = checkSelect(merged.select as string[] | null, images, place);
  const engines = resolveEngines(merged.engines ?? null, place.where(['engines']), inputs.env ?? process.env,
    (p) => place.path(p, ['engines']));
  checkEnginesHandOff(engines?.length ?? 1, cacheRegistry, place);

  const config: ResolvedConfig = {
    configFile,
    version: merged.version,
    os: merged.os,
    osFamily: merged.osFamily ?? null,
    baseImage: merged.baseImage,
    bootstrap: merged.bootstrap,
    workDir: place.path(merged.workDir, ['workDir']),
    packages: {
      tar: place.pathOrUrl(merged.packages.tar, ['packages', 'tar']),
      dir: merged.packages.dir === null ? null : place.path(merged.packages.dir, ['packages', 'dir']),
      url: merged.packages.url,
      key: merged.packages.key == null ? null : place.path(merged.packages.key, ['packages', 'key']),
      trusted: merged.packages.trusted ?? false,
      build: {
        sources: resolveSources(merged.packages.build.sources as Json[], place),
        expect: merged.packages.build.expect ?? [],
        builder: builderConfig(merged.packages.build.builder, (p, parts) => place.path(p, parts)),
      },
    },
    repo: { host: repo.host, port: repo.port, priority: repo.priority, allowNonLoopback: repo.allowNonLoopback ?? false },
    ansible: { artifact: place.pathOrUrl(ansible.artifact, ['ansible', 'artifact']), repo: ansible.repo, ref: ansible.ref },
    manifestLimits: { ...MANIFEST_LIMITS, ...merged.manifestLimits },
    registryLimits: { ...REGISTRY_LIMITS, ...merged.registryLimits },
    download: { maxMegabytes: merged.download.maxMegabytes ?? 8192, timeoutMinutes: merged.download.timeoutMinutes ?? 60 },
    images,
    select,
    registry,
    registryAddress,
    push: { user: merged.push.user ?? null, retries: merged.push.retries ?? 4 },
    cache: { registry: cacheRegistry, address: cacheRegistry === null ? null : parseRegistry(cacheRegistry, 'cache.registry') },
    ci: ciConfig(merged.ci),
    saveDir: merged.saveDir === null ? null : place.path(merged.saveDir, ['saveDir']),
    save: { perImage: merged.save.perImage ?? false, gzipLevel: merged.save.gzipLevel ?? 1 },
    jobs: merged.jobs,
    engines,
    jobsFromDefault: place.origin(['jobs']) === 'built-in default',
    network: merged.network,
    keepImages: merged.keepImages,
    noCache: merged.noCache,
    builder: merged.builder,
    builderOrigin: place.where(['builder']),
    flags: taskFlags,
  };
  preflight(config, (parts) => place.where(parts));
  return config;
}

function mergeLayers(inputs: ConfigInputs): MergedConfig {
  const args = inputs.args ?? process.argv.slice(2);
  const env = inputs.env ?? process.env;
  const cwd = inputs.cwd ?? process.cwd();
  const flags = parseFlags(args);
  const envSettings = environmentSettings(env);

  let configFile: string | null = null;
  if (flags.configFile !== null) configFile = path.resolve(cwd, flags.configFile);
  else if (fs.existsSync(path.join(cwd, 'config.json'))) configFile = path.join(cwd, 'config.json');

  const origins: Origins = new Map();
  const merged: Json = builtinDefaults();
  if (configFile) mergeLayer(merged, readConfigFile(configFile), path.relative(cwd, configFile) || configFile, origins);
  const taskFlags: ResolvedConfig['flags'] = { all: false, wait: false, cacheOnly: false, check: false };
  for (const s of [...envSettings, ...flags.settings]) {
    if (s.path[0] === 'flags') (taskFlags as Json)[s.path[1]] = s.relativeTo === 'cwd' && s.path[1] === 'out' ? path.resolve(cwd, String(s.value)) : s.value;
    else applySetting(merged, s, origins);
  }
  validateAgainstSchema(merged, origins);
  return { configFile, merged, origins, taskFlags, place: placeFor(origins, cwd, configFile ? path.dirname(configFile) : cwd) };
}

/** Where a value came from decides how it reads: paths resolve and keys are named by their origin. */
interface Place {
  /** the file, variable or flag the value came from */
  origin(parts: string[]): string;
  /** 'flag --jobs', or 'repo.host (in config.json)' */
  where(parts: string[]): string;
  /** relative paths: against the config file's folder when they come from it, else the current folder */
  path(p: string, parts: string[]): string;
  pathOrUrl(v: string | null, parts: string[]): string | null;
  /** a relative local repository ('./git/contrail-ansible') resolves like any other path */
  gitLocation(url: string, parts: string[]): string;
}

function placeFor(origins: Origins, cwd: string, configDir: string): Place {
  const fromCommandLine = (parts: string[]) => /^(environment variable|flag)/.test(originOf(origins, parts));
  const place: Place = {
    origin: (parts) => originOf(origins, parts),
    where: (parts) => (fromCommandLine(parts) ? originOf(origins, parts) : `${keyPath(parts)} (in ${originOf(origins, parts)})`),
    path: (p, parts) => path.resolve(fromCommandLine(parts) ? cwd : configDir, p),
    pathOrUrl: (v, parts) => (v === null ? null : checkPathOrUrl(v, place.where(parts)) === 'url' ? v : place.path(v, parts)),
    gitLocation: (url, parts) => (/^\.\.?\//.test(url) ? place.path(url, parts) : url),
  };
  return place;
}

function checkRepo(repo: Config['repo'], place: Place): Config['repo'] {
  checkHost(repo.host, place.where(['repo', 'host']));
  if (!isLoopback(repo.host) && !repo.allowNonLoopback) {
    throw inputError(
      `${place.where(['repo', 'host'])} is ${quote(repo.host)}, not a loopback address: the contrail repo would be reachable from other machines`,
      'serve on 127.0.0.1 (the default), or set "repo": {"allowNonLoopback": true} to mean it',
    );
  }
  return repo;
}

/** Engines hand images to each other through a registry: more than one needs one. */
function checkEnginesHandOff(count: number, cacheRegistry: string | null, place: Place): void {
  if (count <= 1 || cacheRegistry !== null) return;
  throw inputError(`${place.where(['engines'])} lists ${count} engines, but there is no registry to hand images between them`,
    'give a cache registry (cache.registry, CONTAINER_CACHE_REGISTRY or --cache-registry host:port) or a push registry (--registry); "none" turns the cache off, which several engines cannot do without');
}

function resolveSources(given: Json[], place: Place): PackageSource[] {
  const sources = given.map((s, i) => resolveSource(s, ['packages', 'build', 'sources', String(i)], place));
  const names = new Set<string>();
  for (const s of sources) {
    if (names.has(s.name)) throw inputError(`packages.build.sources names ${quote(s.name)} twice`, 'give each source a distinct name');
    names.add(s.name);
  }
  return sources;
}

function resolveSource(s: Json, parts: string[], place: Place): PackageSource {
  const at = `${keyPath(parts)} (${quote(s.name)}, in ${place.origin(parts)})`;
  if (s.manifest !== undefined) return recipeSource(s, at, (url, key) => place.gitLocation(url, key), parts);
  if ((s.git === undefined) === (s.path === undefined)) {
    throw inputError(`${at} must have either "git" (with "ref"), "path" or "manifest" (with "steps" and "outputs")`, 'e.g. {"name": "contrail-lib", "git": "https://...", "ref": "R4.0"}');
  }
  for (const k of ['steps', 'outputs', 'buildDepends', 'remotes']) {
    if (s[k] !== undefined) throw inputError(`${at}: "${k}" goes with "manifest", not with "git" or "path"`);
  }
  if (s.path !== undefined) {
    if (s.ref !== undefined) throw inputError(`${at}: "ref" goes with "git", not with "path"`);
    return { name: s.name, path: place.path(s.path, [...parts, 'path']), ...specOf(s, at) };
  }
  if (s.ref === undefined) throw inputError(`${at} has "git" but no "ref"`, 'add "ref": a commit id, branch or tag');
  const git = place.gitLocation(s.git, [...parts, 'git']);
  checkGitUrl(git, `${at} git`);
  checkGitRef(s.ref, `${at} ref`);
  if (s.subdir !== undefined && (path.isAbsolute(s.subdir) || s.subdir.split(/[\\/]/).includes('..'))) {
    throw inputError(`${at} subdir ${quote(s.subdir)} must be a relative folder inside the repository`);
  }
  return { name: s.name, git, ref: s.ref, ...(s.subdir ? { subdir: s.subdir } : {}), ...specOf(s, at) };
}

/** A source's spec file (rpm family): relative, inside its tree, a .spec; checked with the family later. */
function specOf(s: Json, at: string): { spec?: string } {
  if (s.spec === undefined) return {};
  const spec = String(s.spec);
  if (path.isAbsolute(spec) || spec.split(/[\\/]/).includes('..') || !spec.endsWith('.spec')) {
    throw inputError(`${at} spec ${quote(spec)} must be a relative path to a .spec file inside the source`, 'e.g. "spec": "rpm/contrail/contrail.spec"');
  }
  return { spec };
}

function resolveImages(given: Record<string, Json>, place: Place): Record<string, ImageRecipe> {
  const images: Record<string, ImageRecipe> = {};
  for (const [name, recipe] of Object.entries(given)) {
    images[name] = {
      packages: recipe.packages ?? [],
      dockerfile: recipe.dockerfile ? place.path(recipe.dockerfile, ['images', name, 'dockerfile']) : path.join(PROJECT_ROOT, 'dockerfiles', name, 'Dockerfile'),
      buildArgs: recipe.buildArgs ?? {},
    };
  }
  return images;
}

/** Every image named in the selection is defined. */
function checkSelect(select: string[] | null, images: Record<string, ImageRecipe>, place: Place): string[] | null {
  for (const name of select ?? []) {
    if (!images[name]) {
      const known = Object.keys(images);
      throw inputError(
        `${place.where(['select'])} names image ${quote(name)}, which the config does not define`,
        known.length ? `known images: ${known.join(', ')}` : 'the config defines no images',
      );
    }
  }
  return select;
}
