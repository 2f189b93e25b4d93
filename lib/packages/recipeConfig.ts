/**
 * The recipe kind of packages.build.sources (a repo manifest and the steps that build in its
 * sandbox) and packages.build.builder, checked beyond what the schema says. Pure: paths are
 * resolved by the caller's `resolvePath`.
 */
import * as path from 'node:path';
import type { BuilderConfig, RecipeSource } from '../config/types';
import { inputError } from '../errors';
import { checkGitRef, checkGitUrl } from '../git/safety';
import { quote } from '../text';

export const DEFAULT_MANIFEST_FILE = 'default.xml';

type Json = Record<string, any>;

/** A relative path that stays inside its folder (no absolute path, no '..' part). */
export const staysInside = (p: string): boolean =>
  p !== '' && !path.isAbsolute(p) && !p.split(/[\\/]/).includes('..');

/**
 * `s` has "manifest": the recipe kind. `at` names the source for messages, `gitLocation` turns a
 * relative local repository into an absolute path.
 */
export function recipeSource(s: Json, at: string, gitLocation: (url: string, parts: string[]) => string, parts: string[]): RecipeSource {
  for (const k of ['git', 'ref', 'path', 'subdir', 'spec']) {
    if (s[k] !== undefined) throw inputError(`${at}: "${k}" does not go with "manifest"`, 'a recipe source has manifest, steps, outputs, buildDepends and remotes; a Debian source has git+ref or path');
  }
  for (const k of ['steps', 'outputs']) {
    if (s[k] === undefined) throw inputError(`${at} has "manifest" but no "${k}"`, 'e.g. "steps": ["make -f packages.make package-contrail"], "outputs": ["build/packages/*.deb"]');
  }
  const url = gitLocation(s.manifest.url, [...parts, 'manifest', 'url']);
  checkGitUrl(url, `${at} manifest.url`);
  checkGitRef(s.manifest.ref, `${at} manifest.ref`);
  const remotes: Record<string, string> = {};
  for (const [name, fetch] of Object.entries((s.remotes ?? {}) as Record<string, string>)) {
    const u = gitLocation(fetch, [...parts, 'remotes', name]);
    checkGitUrl(u, `${at} remotes.${name}`);
    remotes[name] = u;
  }
  for (const [key, list] of [['outputs', s.outputs], ['buildDepends', s.buildDepends ?? []]] as const) {
    for (const [i, p] of (list as string[]).entries()) {
      if (!staysInside(p)) throw inputError(`${at} ${key}[${i}] ${quote(p)} must be a relative path inside the sandbox`, 'e.g. "build/packages/*.deb" or "tools/packages/debian/contrail/debian/control"');
    }
  }
  return {
    name: s.name,
    manifest: { url, ref: s.manifest.ref, file: s.manifest.file ?? DEFAULT_MANIFEST_FILE },
    remotes,
    steps: s.steps,
    outputs: s.outputs,
    buildDepends: s.buildDepends ?? [],
  };
}

/** packages.build.builder, its key files resolved. */
export function builderConfig(b: Json | undefined, resolvePath: (p: string, parts: string[]) => string): BuilderConfig {
  return {
    packages: b?.packages ?? [],
    aptSources: ((b?.aptSources ?? []) as Json[]).map((a, i) => ({
      line: a.line,
      key: resolvePath(a.key, ['packages', 'build', 'builder', 'aptSources', String(i), 'key']),
    })),
  };
}
