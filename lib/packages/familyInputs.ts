/**
 * The checks of a family's inputs that need nothing but the config: which sources and builder
 * extras a family builds, and how a yum repository is named. Used by the families
 * (debFamily.ts, rpmFamily.ts) and, when the config names its osFamily, by the config's
 * preflight, so these are refused before the engine is asked anything. Pure.
 */
import type { BuilderConfig, PackageSource } from '../config/types';
import { inputError } from '../errors';
import { quote } from '../text';
import { INPUT_NAMES } from './inputs';

export interface BuildInputs {
  sources: readonly PackageSource[];
  builder: BuilderConfig;
}

/** In the deb family a spec file is never built: say so rather than ignore it. */
export function checkDebBuild({ sources }: BuildInputs): void {
  const i = sources.findIndex((s) => 'spec' in s && s.spec !== undefined);
  if (i >= 0) {
    throw inputError(`packages.build.sources[${i}] (${quote(sources[i].name)}) has "spec", which only the rpm family builds; this build's OS family is deb`,
      'remove "spec", or set "osFamily": "rpm" with an rpm base image');
  }
}

/** Every plain source names its spec file (a recipe's steps run rpmbuild themselves); apt sources are for apt. */
export function checkRpmBuild({ sources, builder }: BuildInputs): void {
  if (builder.aptSources.length) {
    throw inputError('packages.build.builder.aptSources are apt sources, and this build\'s OS family is rpm (dnf or yum)',
      'remove them; give the builder\'s extra packages in packages.build.builder.packages, from the base image\'s repositories');
  }
  const i = sources.findIndex((s) => !('manifest' in s) && s.spec === undefined);
  if (i >= 0) {
    throw inputError(`packages.build.sources[${i}] (${quote(sources[i].name)}) has no "spec": the rpm family builds each source from its spec file with rpmbuild -bb`,
      'add "spec": the spec file\'s path inside the source, e.g. "rpm/contrail/contrail.spec"');
  }
}

/** A yum repository has no suite or component: `URL SUITE COMPONENT` is an apt notion. */
export function checkYumLocation(url: string, distribution: string): void {
  if (distribution !== './') {
    throw inputError(`${INPUT_NAMES.url} ${quote(`${url} ${distribution}`)} names a suite, as for apt; a yum repository is named by its URL alone`,
      'give the URL of the folder that holds repodata/, e.g. http://host/contrail/el7');
  }
}
