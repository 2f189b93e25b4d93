/**
 * From the config and the prepared inputs (repo, base image) to what each image is built with:
 * its reference, Dockerfile, context and build arguments. Pure.
 */
import * as path from 'node:path';
import type { ImageRecipe } from '../config/types';
import { inputError } from '../errors';
import { imageRef } from '../naming';

/** contrail-base is the config's 'base' image; it embeds the contrail-ansible artifact. */
export const BASE = 'base';
/** the artifact's name inside contrail-base's build context */
export const ANSIBLE_IN_CONTEXT = 'contrail-ansible.tar.gz';

export interface BuildArgInputs {
  version: string;
  os: string;
  baseImage: string;
  repo: { url: string; host: string; priority: number; distribution?: string; key?: string };
  /** deb (default) or rpm: the package tool contrail-install uses */
  osFamily?: 'deb' | 'rpm';
}

/**
 * The build arguments the pipeline offers every Dockerfile; each gets those it declares
 * (an undeclared one would only draw a warning from the engine), then the config's own.
 */
export function standardBuildArgs(component: string, recipe: ImageRecipe, b: BuildArgInputs): Record<string, string> {
  return {
    CONTRAIL_VERSION: b.version,
    OS: b.os,
    BASE_IMAGE: b.baseImage,
    CONTRAIL_REPO_URL: b.repo.url,
    CONTRAIL_REPO_HOST: b.repo.host,
    CONTRAIL_REPO_DIST: b.repo.distribution ?? './',
    CONTRAIL_REPO_PRIORITY: String(b.repo.priority),
    CONTRAIL_REPO_KEY: b.repo.key ?? '',
    CONTRAIL_OS_FAMILY: b.osFamily ?? 'deb',
    CONTRAIL_ROLE: component,
    PACKAGES: recipe.packages.join(' '),
  };
}

export function buildArgsFor(declared: string[], standard: Record<string, string>, configured: Record<string, string>, dockerfile = 'the Dockerfile'): Record<string, string> {
  // a signed repository used by a Dockerfile that cannot receive its key would be used unsigned
  if (standard.CONTRAIL_REPO_KEY && declared.includes('CONTRAIL_REPO_URL') && !declared.includes('CONTRAIL_REPO_KEY')) {
    throw inputError(`${dockerfile} takes CONTRAIL_REPO_URL but not CONTRAIL_REPO_KEY, so it would use the signed packages.url unsigned`,
      'add "ARG CONTRAIL_REPO_KEY" beside "ARG CONTRAIL_REPO_URL" (contrail-install uses it as apt\'s signed-by)');
  }
  const out: Record<string, string> = {};
  for (const name of declared) if (name in standard) out[name] = standard[name];
  return { ...out, ...configured };
}

export interface FamilyImage {
  name: string;
  ref: string;
  recipe: ImageRecipe;
  /** the Dockerfile's folder: the build context */
  contextDir: string;
  /** the Dockerfile's name inside it */
  dockerfileName: string;
  /** files added to the context: name -> absolute source */
  extra: Record<string, string>;
}

export function familyImages(images: Record<string, ImageRecipe>, os: string, version: string, ansibleArtifact: string | null): FamilyImage[] {
  return Object.entries(images).map(([name, recipe]) => ({
    name,
    ref: imageRef(name, os, version),
    recipe,
    contextDir: path.dirname(recipe.dockerfile),
    dockerfileName: path.basename(recipe.dockerfile),
    extra: name === BASE && ansibleArtifact ? { [ANSIBLE_IN_CONTEXT]: ansibleArtifact } : ({} as Record<string, string>),
  }));
}
