/** A build, as resolved from defaults, the config file, the environment and flags. */
import type { NamedEngine } from '../docker/engines';
import type { RegistryAddress } from './checks';

export interface GitSource {
  name: string;
  git: string;
  ref: string;
  /** the folder inside the repository that holds debian/ */
  subdir?: string;
  /** rpm family: the spec file, relative to the repository (e.g. rpm/contrail/contrail.spec) */
  spec?: string;
}
export interface PathSource {
  name: string;
  /** absolute */
  path: string;
  /** rpm family: the spec file, relative to the folder */
  spec?: string;
}
/**
 * A sandbox laid out by a repo manifest (as contrail-vnc's default.xml lays out OpenContrail) and
 * the shell steps that build packages in it.
 */
export interface RecipeSource {
  name: string;
  manifest: {
    /** the manifest repository: a git URL or absolute local path */
    url: string;
    ref: string;
    /** the manifest file in it, e.g. default.xml */
    file: string;
  };
  /** remote name -> fetch URL replacing the manifest's */
  remotes: Record<string, string>;
  /** run at the sandbox top, each with bash -euo pipefail -c */
  steps: string[];
  /** globs relative to the sandbox top */
  outputs: string[];
  /** debian/control files relative to the sandbox top */
  buildDepends: string[];
}
export type PackageSource = GitSource | PathSource | RecipeSource;

/** An extra apt source of the builder image. */
export interface BuilderAptSource {
  /** `deb URL SUITE COMPONENT...` */
  line: string;
  /** absolute path of its signing key file */
  key: string;
}
export interface BuilderConfig {
  packages: string[];
  aptSources: BuilderAptSource[];
}

export interface ImageRecipe {
  packages: string[];
  /** absolute path of the Dockerfile; its folder is the build context */
  dockerfile: string;
  buildArgs: Record<string, string>;
}

export interface BootstrapConfig {
  suite: string;
  /** default: the host's own apt mirror (read from its sources), else debootstrap's default */
  mirror?: string;
  components?: string[];
}

export interface ManifestLimits {
  /** of each manifest file */
  maxMegabytes: number;
  maxProjects: number;
  maxIncludeDepth: number;
  /** <include> elements in all; each file is read once */
  maxIncludes: number;
}

export interface RegistryLimits {
  /** one request, answer included */
  requestSeconds: number;
  maxManifestKilobytes: number;
  maxBlobMegabytes: number;
}

export interface Config {
  /** absolute path of the config file, or null when only defaults, environment and flags were used */
  configFile: string | null;
  version: string;
  os: string;
  /** deb or rpm: which package tools every step uses; null: read from the base image's /etc/os-release */
  osFamily: 'deb' | 'rpm' | null;
  baseImage: string;
  bootstrap: BootstrapConfig | null;
  /** absolute */
  workDir: string;
  packages: {
    /** absolute path or http(s) URL */
    tar: string | null;
    /** absolute */
    dir: string | null;
    url: string | null;
    /** absolute path of the public key packages.url is signed with */
    key: string | null;
    /** packages.url may be used unsigned although it is remote */
    trusted: boolean;
    build: { sources: PackageSource[]; expect: string[]; builder: BuilderConfig };
  };
  repo: { host: string; port: number; priority: number; allowNonLoopback: boolean };
  ansible: {
    /** absolute path or http(s) URL */
    artifact: string | null;
    repo: string;
    ref: string;
  };
  /** limits of reading a recipe source's repo manifest, with its includes */
  manifestLimits: ManifestLimits;
  /** limits of every request to a registry (push, cache) */
  registryLimits: RegistryLimits;
  /** limits of every download */
  download: { maxMegabytes: number; timeoutMinutes: number };
  /** component name -> recipe; 'base' is contrail-base */
  images: Record<string, ImageRecipe>;
  /** CONTAINERS / --images: build only these (and their ancestors); null: all */
  select: string[] | null;
  /** as given (host[:port][/namespace]), and parsed */
  registry: string | null;
  registryAddress: RegistryAddress | null;
  push: { user: string | null; retries: number };
  /**
   * where images are looked up by their input hash before building (lib/cache): cache.registry,
   * CONTAINER_CACHE_REGISTRY or --cache-registry; by default the push registry; null: no cache
   * ("none" turns it off)
   */
  cache: { registry: string | null; address: RegistryAddress | null };
  /** the CI pipeline `gulp ci` writes (lib/ci) */
  ci: CiConfig;
  /** absolute */
  saveDir: string | null;
  save: { perImage: boolean; gzipLevel: number };
  jobs: number;
  /** engines / --engines: the Docker engines the run drives; null: the one engine of DOCKER_HOST (or the socket) */
  engines: NamedEngine[] | null;
  /** `jobs` was not set (the number of CPUs): the image builds may run more at once with BuildKit */
  jobsFromDefault: boolean;
  network: string;
  keepImages: boolean;
  noCache: boolean;
  /** which of the engine's builders builds the images; auto: BuildKit when the engine has it */
  builder: 'auto' | 'buildkit' | 'classic';
  /** where the builder setting came from, for messages: 'flag --builder', 'environment variable DOCKER_BUILDKIT', 'builder in config.json' */
  builderOrigin: string;
}

export interface CiConfig {
  format: 'github' | 'gitlab' | null;
  /** null: the format's default (GitHub ubuntu-latest, GitLab docker) */
  runner: string[] | null;
  schedule: string | null;
  manual: boolean;
  /** the CI's secret names (never their values) */
  secrets: { registry: string; user: string; password: string };
}

/** Where a value came from, for error messages: 'config.json', 'CONTRAIL_REPO_PORT', '--jobs', 'default'. */
export type Origins = Map<string, string>;
