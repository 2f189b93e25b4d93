/**
 * What each step hands to the next. gulp tasks return nothing to each other; a step's result is
 * memoised on the Run (run.once) and read by the steps that need it.
 */

/** contrailRepo: where the packages are served. */
export interface RepoResult {
  /** what apt inside image builds uses, e.g. http://127.0.0.1:1567 (no trailing slash) */
  url: string;
  /**
   * the rest of the apt source line after the URL: './' for a flat repository (the contrail-repo
   * container; also when absent), or 'SUITE COMPONENT...' for an existing suite given as packages.url
   */
  distribution?: string;
  /** the host part of url, for the apt pin (`Pin: origin "<host>"`) */
  host: string;
  /** apt pin priority (config repo.priority) */
  priority: number;
  /** the repository's public key, base64 (apt signed-by); '' or absent: unsigned (the repo container, a loopback or explicitly trusted URL) */
  key?: string;
  /** sha256 of the served Packages index */
  indexHash: string;
  /**
   * binary package name -> a hash of its index stanza (version, checksum), so an image's input
   * hash can cover only the packages it installs
   */
  packages: Record<string, string>;
  /** where the packages came from */
  source: 'url' | 'tar' | 'dir' | 'build';
  /** the contrail-repo image; null when an existing repository URL is used */
  image: { ref: string; id: string } | null;
  /** the running contrail-repo container; null when an existing repository URL is used */
  container: { name: string; id: string } | null;
  /** rpm: a yum repository (createrepo_c metadata); absent or deb: an apt repository */
  family?: 'deb' | 'rpm';
}

/** packageBuild: the package files built from sources (.deb, or .rpm for the rpm family). */
export interface PackageBuildResult {
  /** absolute folder holding the .deb files (<workDir>/packages) */
  dir: string;
  /** absolute path of its manifest.json */
  manifest: string;
  /** every package file built (.deb, or .rpm for the rpm family), absolute */
  debs: string[];
  /** the same files with their sha256 as the manifest records them, compared with the files themselves by this run */
  files: { file: string; sha256: string }[];
  /** the key of the sources' commits and the recipe (lib/cache/packages.ts), labelled on the repo image */
  sourcesKey: string;
  /** the manifest, compact, labelled on the repo image so a fresh host restores it */
  manifestText: string;
}

/** contrailAnsible: the provisioning code as one artifact. */
export interface AnsibleResult {
  /** absolute path of contrail-ansible-<version>.tar.gz */
  artifact: string;
  sha256: string;
  /** the resolved commit of contrail-ansible ('' when a ready artifact was given without one) */
  commit: string;
  /** absolute path of the manifest JSON beside the artifact */
  manifest: string;
}

export type ImageStatus = 'built' | 'skipped' | 'failed' | 'blocked';

export interface ImageOutcome {
  /** 'base' for contrail-base, else the component name */
  component: string;
  /** contrail-<component>-<os>:<version> */
  ref: string;
  status: ImageStatus;
  /** image id (sha256:...) when it exists */
  id: string | null;
  inputHash: string;
  durationMs: number;
  size: number | null;
  log: string;
  /** why it was built, failed, was blocked or skipped */
  reason?: string;
  /** how it came to be: 'up to date locally', 'from the registry' or 'built' (lib/cache/run.ts HOW) */
  how?: 'up to date locally' | 'from the registry' | 'built';
  /** false: not on the run's first engine, only in the cache registry (taken from it and not pulled, or made on another engine); save pulls it */
  local?: boolean;
  /** the engine that built or holds it: its name in engines / --engines, else its address; absent: only in the registry */
  engine?: string;
}

/** buildImages: the family. */
export interface BuildResult {
  images: ImageOutcome[];
}
