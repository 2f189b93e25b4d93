/**
 * The package family of a build: Debian packages (deb) or RPMs (rpm). Everything the package
 * steps do differently for the two is behind this one interface, so contrailRepo and
 * packageBuild each have one flow: the package file and its check, the repository's index and
 * its flavour, the builder, what a source's control or spec file declares, and how a recipe
 * prepares the builder. The implementations: debFamily.ts and rpmFamily.ts.
 */
import type { GitSource, PathSource } from '../config/types';
import type { GetOptions } from '../net/http';
import type { BuilderFlavor } from './builder';
import type { PackageFileKind } from './collect';
import type { BuildInputs } from './familyInputs';
import type { OsFamily } from './osFamily';
import type { IndexSummary } from './packagesIndex';
import type { RepoFlavor } from './repoIndex';

/** What a package file's name says, as the family's build tool names its outputs. */
export interface PackageName {
  package: string;
  version: string;
  architecture: string;
}

/** packages.url: an existing repository, read with the config's download limits. */
export interface ExistingRepoRequest {
  url: string;
  /** './' or apt's 'SUITE COMPONENT...' */
  distribution: string;
  limits: GetOptions;
  /** the engine's architecture, asked only by a family whose index depends on it */
  arch: () => Promise<string>;
}

/** The file check (ext, fileKind, fileProblem) is collect.ts's PackageFileKind. */
export interface PackageFamily extends PackageFileKind {
  name: OsFamily;
  /** package, version and architecture from a built file's name; null when the name says none */
  parseFileName(file: string): PackageName | null;
  repo: RepoFlavor;
  /** the repository's kind in the user's words: 'apt', 'yum' */
  repoKind: string;
  builder: BuilderFlavor;
  /** the index of an existing repository (packages.url); an input error when it has none */
  readExistingRepo(req: ExistingRepoRequest): Promise<IndexSummary>;
  /** the sources and builder extras fit the family (a spec file only for rpm...); an input error naming the first that does not */
  checkBuild(build: BuildInputs): void;
  /** where a plain source's build file is, relative to its tree: its debian/control, or its spec */
  buildFile(subdir: string, source: GitSource | PathSource): string;
  /** the build files in the user's words, for hints: 'debian/control', 'spec files' */
  buildFileKind: string;
  /** what the builder is given for a plain source: the folder holding debian/, or the spec file */
  buildTarget(subdir: string, source: GitSource | PathSource): string;
  /** the binary packages a build file declares; null when they cannot be known before a build */
  declaredPackages(text: string): string[] | null;
  /** the package names a build file (or a recipe's buildDepends file) build-depends on */
  buildDependencies(text: string): string[];
  /**
   * a recipe's builder preparation, run with bash -euo pipefail at the sandbox top: the local
   * repository of earlier outputs, $EXTRA_PACKAGES, then the build dependencies of each file
   * given as an argument (found under /build/deps/$SOURCE/)
   */
  recipePrepare: string;
  /** a recipe's buildDepends file as recipePrepare reads it, and what was left out of it (for the log) */
  recipeDepsFile(text: string, name: string): { text: string; dropped: string[] };
}
