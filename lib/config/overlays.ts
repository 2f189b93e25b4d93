/**
 * The environment and command-line layers of the config, as lists of (key path, value, origin).
 * Values are converted to the config's types here, so a bad value is reported under the name
 * the user typed (the variable or the flag), not the key it lands in.
 */
import { inputError } from '../errors';
import { didYouMean, quote } from '../text';

export type ValueType = 'string' | 'path' | 'pathOrUrl' | 'int' | 'bool' | 'list' | 'engineList' | 'dockerBuildkit';

export interface Setting {
  path: string[];
  value: unknown;
  /** e.g. 'environment variable CONTRAIL_REPO_PORT' or 'flag --jobs' */
  origin: string;
  /** relative paths in this layer resolve against the current folder */
  relativeTo?: 'cwd';
}

interface Option {
  path: string[];
  type: ValueType;
}

/** The original Makefile's variables, under their names. */
export const ENVIRONMENT: Record<string, Option & { separator?: RegExp }> = {
  CONTRAIL_VERSION: { path: ['version'], type: 'string' },
  OS: { path: ['os'], type: 'string' },
  CONTAINERS: { path: ['select'], type: 'list', separator: /[\s,]+/ },
  CONTRAIL_INSTALL_PACKAGE_TAR_URL: { path: ['packages', 'tar'], type: 'pathOrUrl' },
  CONTRAIL_REPO_URL: { path: ['packages', 'url'], type: 'string' },
  CONTRAIL_REPO_PORT: { path: ['repo', 'port'], type: 'int' },
  CONTRAIL_ANSIBLE_ARTIFACT: { path: ['ansible', 'artifact'], type: 'pathOrUrl' },
  CONTRAIL_ANSIBLE_REPO: { path: ['ansible', 'repo'], type: 'string' },
  CONTRAIL_ANSIBLE_REF: { path: ['ansible', 'ref'], type: 'string' },
  CONTAINER_SAVE_LOCATION: { path: ['saveDir'], type: 'path' },
  CONTAINER_REGISTRY: { path: ['registry'], type: 'string' },
  CONTAINER_REGISTRY_USER: { path: ['push', 'user'], type: 'string' },
  CONTAINER_CACHE_REGISTRY: { path: ['cache', 'registry'], type: 'string' },
  KEEP_IMAGES: { path: ['keepImages'], type: 'bool' },
  NO_CACHE: { path: ['noCache'], type: 'bool' },
  // as the docker CLI reads it: 0 the classic builder, 1 BuildKit
  DOCKER_BUILDKIT: { path: ['builder'], type: 'dockerBuildkit' },
};

/** Our flags. `--version` belongs to gulp-cli (it prints gulp's version), hence --contrail-version. */
export const FLAGS: Record<string, Option & { help: string }> = {
  'contrail-version': { path: ['version'], type: 'string', help: 'Contrail version: image tag and artifact names' },
  os: { path: ['os'], type: 'string', help: 'OS name in image names, e.g. ubuntu16.04' },
  'os-family': { path: ['osFamily'], type: 'string', help: 'deb or rpm: the package tools (default: from the base image\'s /etc/os-release)' },
  images: { path: ['select'], type: 'list', help: 'build only these images (comma-separated), with their ancestors' },
  registry: { path: ['registry'], type: 'string', help: 'registry to push to: host[:port][/namespace]' },
  'cache-registry': { path: ['cache', 'registry'], type: 'string', help: 'registry holding earlier builds by input hash (default: --registry; "none": off)' },
  'registry-user': { path: ['push', 'user'], type: 'string', help: 'registry user; password from CONTAINER_REGISTRY_PASSWORD' },
  'save-dir': { path: ['saveDir'], type: 'path', help: 'folder to save the images and artifacts into' },
  'per-image': { path: ['save', 'perImage'], type: 'bool', help: 'save one archive per image' },
  jobs: { path: ['jobs'], type: 'int', help: 'parallel builds (default: number of CPUs)' },
  engines: { path: ['engines'], type: 'engineList', help: 'the Docker engines (comma-separated): unix:///PATH, tcp://HOST:PORT or a context name; checked at the start, the first that answers builds, clean cleans each' },
  'work-dir': { path: ['workDir'], type: 'path', help: 'folder for artifacts, logs and state' },
  'packages-tar': { path: ['packages', 'tar'], type: 'pathOrUrl', help: 'tar(.gz) of .deb files (path or URL)' },
  'packages-dir': { path: ['packages', 'dir'], type: 'path', help: 'folder of .deb files' },
  'packages-url': { path: ['packages', 'url'], type: 'string', help: 'an existing apt repository URL' },
  'packages-key': { path: ['packages', 'key'], type: 'path', help: 'the public key packages.url is signed with (apt signed-by)' },
  'packages-trusted': { path: ['packages', 'trusted'], type: 'bool', help: 'use a remote packages.url unsigned (warned about)' },
  'repo-port': { path: ['repo', 'port'], type: 'int', help: 'port of the contrail-repo server' },
  'ansible-artifact': { path: ['ansible', 'artifact'], type: 'pathOrUrl', help: 'a ready contrail-ansible tar.gz (path or URL)' },
  'ansible-repo': { path: ['ansible', 'repo'], type: 'string', help: 'contrail-ansible git URL' },
  'ansible-ref': { path: ['ansible', 'ref'], type: 'string', help: 'contrail-ansible commit, branch or tag' },
  'keep-images': { path: ['keepImages'], type: 'bool', help: 'clean: keep the images' },
  'no-cache': { path: ['noCache'], type: 'bool', help: 'rebuild every image without the layer cache' },
  builder: { path: ['builder'], type: 'string', help: 'auto, buildkit or classic: the engine builder for the images (default auto: BuildKit when the engine has it)' },
  all: { path: ['flags', 'all'], type: 'bool', help: 'clean: also remove the base OS image it bootstrapped' },
  json: { path: ['flags', 'json'], type: 'bool', help: 'plan, sbomDiff: print the plan or the differences as JSON (one document on stdout)' },
  wait: { path: ['flags', 'wait'], type: 'bool', help: 'wait for another run on the same work folder to finish' },
  from: { path: ['flags', 'from'], type: 'string', help: 'sbomDiff: the older family: a save folder, or a version in --registry' },
  to: { path: ['flags', 'to'], type: 'string', help: 'sbomDiff: the newer family: a save folder, or a version in --registry' },
  'cache-only': { path: ['flags', 'cacheOnly'], type: 'bool', help: 'push: store the images under their input hashes only (h- tags), move no version tag; their parents must be in the registry' },
  format: { path: ['ci', 'format'], type: 'string', help: 'ci: github (a GitHub Actions workflow) or gitlab (a GitLab CI pipeline)' },
  out: { path: ['flags', 'out'], type: 'path', help: 'ci: the file to write the pipeline to (default: print it)' },
  check: { path: ['flags', 'check'], type: 'bool', help: 'ci: compare with --out instead of writing it; exit 1 when it is stale' },
  runner: { path: ['ci', 'runner'], type: 'string', help: 'ci: runner labels, comma-separated (GitHub runs-on, GitLab tags)' },
  schedule: { path: ['ci', 'schedule'], type: 'string', help: 'ci: a cron schedule of five fields, or none' },
  manual: { path: ['ci', 'manual'], type: 'bool', help: 'ci: the pipeline can be started by hand (default true)' },
  'registry-secret': { path: ['ci', 'secrets', 'registry'], type: 'string', help: 'ci: the CI secret holding the registry, when --registry is not given' },
  'user-secret': { path: ['ci', 'secrets', 'user'], type: 'string', help: 'ci: the CI secret holding the registry user' },
  'password-secret': { path: ['ci', 'secrets', 'password'], type: 'string', help: 'ci: the CI secret holding the registry password' },
};

/** gulp-cli's own flags: passed over, with the ones that take a value. */
const GULP_FLAGS_WITH_VALUE = new Set(['gulpfile', 'cwd', 'preload', 'require', 'tasks-depth', 'depth', 'log-level']);
const GULP_FLAGS = new Set([
  ...GULP_FLAGS_WITH_VALUE,
  'help', 'version', 'tasks', 'tasks-simple', 'tasks-json', 'compact-tasks', 'sort-tasks', 'color',
  'no-color', 'silent', 'continue', 'series', 'verify',
]);
const GULP_SHORT_WITH_VALUE = new Set(['f']);

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

function convert(raw: string, type: ValueType, origin: string, separator: RegExp = /,/): unknown {
  switch (type) {
    case 'int': {
      if (!/^-?\d+$/.test(raw.trim())) {
        throw inputError(`${origin} must be a whole number, got ${quote(raw)}`);
      }
      return Number(raw.trim());
    }
    case 'bool': {
      const v = raw.trim().toLowerCase();
      if (TRUE.has(v)) return true;
      if (FALSE.has(v)) return false;
      throw inputError(`${origin} must be true or false (1/0, yes/no), got ${quote(raw)}`);
    }
    case 'dockerBuildkit': {
      // the docker CLI's strconv.ParseBool
      if (/^(1|t|T|TRUE|true|True)$/.test(raw.trim())) return 'buildkit';
      if (/^(0|f|F|FALSE|false|False)$/.test(raw.trim())) return 'classic';
      throw inputError(`${origin} must be 0 (the classic builder) or 1 (BuildKit), as for the docker CLI, got ${quote(raw)}`,
        'or leave it unset and choose with builder in the config or --builder auto|buildkit|classic');
    }
    case 'list': {
      const items = raw.split(separator).map((s) => s.trim()).filter(Boolean);
      if (items.length === 0) throw inputError(`${origin} must name at least one image, got ${quote(raw)}`);
      return items;
    }
    case 'engineList': {
      const items = raw.split(',').map((s) => s.trim());
      if (items.every((s) => s === '')) throw inputError(`${origin} must name at least one engine, got ${quote(raw)}`, 'e.g. --engines unix:///var/run/docker.sock,tcp://127.0.0.1:2375,my-context');
      const empty = items.indexOf('');
      if (empty !== -1) throw inputError(`${origin} has an empty entry ${empty + 1} in ${quote(raw)}`, 'separate engines by single commas');
      return items;
    }
    default:
      return raw;
  }
}

/** The environment layer. Empty variables count as unset, as they did for make. */
export function environmentSettings(env: NodeJS.ProcessEnv): Setting[] {
  const out: Setting[] = [];
  for (const [name, opt] of Object.entries(ENVIRONMENT)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const origin = `environment variable ${name}`;
    out.push({ path: opt.path, value: convert(raw, opt.type, origin, opt.separator), origin, relativeTo: 'cwd' });
  }
  return out;
}

export interface ParsedFlags {
  configFile: string | null;
  settings: Setting[];
}

/**
 * The command-line layer, from the arguments after `gulp` (process.argv.slice(2)).
 * Both `--flag value` and `--flag=value`. gulp-cli's own flags are passed over; any other
 * unknown flag is an error (a typo must not silently build the wrong thing).
 */
export function parseFlags(args: readonly string[]): ParsedFlags {
  const settings: Setting[] = [];
  let configFile: string | null = null;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') break;
    if (!arg.startsWith('-') || arg === '-') continue; // a task name
    if (!arg.startsWith('--')) {
      if (GULP_SHORT_WITH_VALUE.has(arg.slice(1))) i++;
      continue; // gulp-cli's short flags: -L, -S, -T, -f FILE, ...
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const inline = eq === -1 ? undefined : arg.slice(eq + 1);
    const flag = `--${name}`;

    if (GULP_FLAGS.has(name)) {
      if (inline === undefined && GULP_FLAGS_WITH_VALUE.has(name)) i++;
      continue;
    }
    if (name === 'config') {
      const value = inline ?? takeValue(args, i, flag);
      if (inline === undefined) i++;
      if (value === '') throw inputError(`flag --config needs a file name`, 'e.g. --config examples/demo/config.json');
      configFile = value;
      continue;
    }
    const opt = FLAGS[name];
    if (!opt) {
      const guess = didYouMean(name, [...Object.keys(FLAGS), 'config']);
      throw inputError(
        `unknown flag ${flag}`,
        guess ? `did you mean --${guess}? (gulp --tasks lists every task's flags)` : 'gulp --tasks lists every task\'s flags',
      );
    }
    const origin = `flag ${flag}`;
    if (opt.type === 'bool') {
      if (inline !== undefined) {
        settings.push({ path: opt.path, value: convert(inline, 'bool', origin), origin });
        continue;
      }
      const next = args[i + 1];
      if (next !== undefined && !next.startsWith('-') && !TRUE.has(next) && !FALSE.has(next)) {
        // gulp-cli's parser takes the word after a flag as its value: `gulp --keep-images clean`
        // would run the default task, not clean.
        throw inputError(
          `${flag} is followed by ${quote(next)}, which gulp would read as the flag's value, not as a task`,
          `put flags after the task name: gulp ${next} ${flag}`,
        );
      }
      if (next !== undefined && (TRUE.has(next) || FALSE.has(next))) {
        settings.push({ path: opt.path, value: convert(next, 'bool', origin), origin });
        i++;
      } else {
        settings.push({ path: opt.path, value: true, origin });
      }
      continue;
    }
    const value = inline ?? takeValue(args, i, flag);
    if (inline === undefined) i++;
    settings.push({ path: opt.path, value: convert(value, opt.type, origin), origin, relativeTo: 'cwd' });
  }
  return { configFile, settings };
}

function takeValue(args: readonly string[], i: number, flag: string): string {
  const next = args[i + 1];
  if (next === undefined || next.startsWith('--')) {
    const opt = FLAGS[flag.slice(2)];
    throw inputError(`flag ${flag} needs a value`, opt ? `${flag} VALUE: ${opt.help}` : undefined);
  }
  return next;
}
