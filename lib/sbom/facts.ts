/**
 * What an image's SBOM and provenance are made from, gathered once per image (lib/sbom/gather.ts)
 * and handed to the pure document builders (lib/sbom/cyclonedx.ts, lib/sbom/provenance.ts).
 * Every URL in here is already redacted.
 */
import type { ImageInputs } from '../images/inputs';
import { redactJson } from '../redact';
import type { PackageDatabase } from './packageDb';

/** Where a Contrail package came from. */
export interface PackageOrigin {
  /** recipe, git and path: a packages.build source; tar, dir and url: the packages input */
  kind: 'recipe' | 'git' | 'path' | 'tar' | 'dir' | 'url';
  /** the source's name (packages.build), or the input's location (redacted) */
  source: string;
  /** git source: its URL and full commit */
  url?: string;
  commit?: string;
  /** path source: the folder's content hash */
  revision?: string;
  /** the package file's sha256 (built packages), or the tarball's (tar input) */
  sha256?: string;
  /** recipe source: the manifest repository and every sandbox project with its full commit */
  manifest?: { url: string; commit: string };
  projects?: { name: string; path: string; url: string; commit: string }[];
}

export interface AnsibleFacts {
  file: string;
  sha256: string;
  repo: string | null;
  ref: string | null;
  commit: string;
  /** roles and collections: version asked for or installed, and the commit of git ones */
  dependencies: { kind: 'role' | 'collection'; name: string; src: string; version: string; commit: string | null }[];
}

export interface BaseFacts {
  ref: string;
  /** the base image's id (its config digest) */
  id: string;
  /** a registry digest it was pulled by, when the engine knows one */
  digest: string | null;
  /** made with debootstrap (a base-os image of ours): the suite and mirror from the config */
  bootstrap: { suite: string; mirror: string } | null;
}

export interface ImageFacts {
  component: string;
  ref: string;
  /** sha256:... */
  id: string;
  inputHash: string;
  /** what the build started with (the image's created label) and when the engine made it (ISO) */
  started: string;
  finished: string;
  /** from the image's history */
  builder: 'buildkit' | 'classic' | 'unknown';
  /** the inputs breakdown label (Dockerfile, context, args, parents, packages); null on images without one */
  inputs: ImageInputs | null;
}

export interface BuildFacts {
  /** this project's version and commit ('' when it is not a git checkout) */
  project: { version: string; commit: string };
  engineVersion: string;
  /** the config values that shaped the image, redacted */
  config: Record<string, unknown>;
  /** the repo's Packages index hash */
  repoIndexHash: string;
}

export interface SbomFacts {
  image: ImageFacts;
  db: PackageDatabase;
  /** installed package name -> where it came from, for the Contrail packages (those the contrail repo serves) */
  contrail: Record<string, PackageOrigin>;
  /** null for the repo image and when no artifact went in */
  ansible: AnsibleFacts | null;
  base: BaseFacts | null;
  build: BuildFacts;
}

/** Every URL in the facts redacted: gatherers call this once, so no builder can leak one. */
export const redactFacts = (f: SbomFacts): SbomFacts => redactJson(f);
