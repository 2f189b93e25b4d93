/**
 * Whether an image must be built, and why: the image under its tag is reality; it is up to date
 * when it carries the input hash of what it would be built from now.
 */
import { LABELS } from '../docker/labels';
import { type ImageInputs, inputHash, parseInputsLabel, WHOLE_INDEX } from './inputs';
import { INPUTS_LABEL } from './labels';

export interface ExistingImage {
  id: string;
  labels: Record<string, string>;
}

export interface Decision {
  build: boolean;
  /** why it is built, or why it is not */
  reason: string;
}

function diffMap(what: string, before: Record<string, string>, after: Record<string, string>, name = (k: string) => k): string[] {
  const out: string[] = [];
  for (const k of Object.keys(after).sort()) {
    if (!(k in before)) out.push(`${what} ${name(k)} added`);
    else if (before[k] !== after[k]) out.push(`${what} ${name(k)} changed`);
  }
  for (const k of Object.keys(before).sort()) if (!(k in after)) out.push(`${what} ${name(k)} removed`);
  return out;
}

/** The inputs that differ, in words: 'Dockerfile changed', 'package contrail-lib changed', ... */
export function changedInputs(before: ImageInputs, after: ImageInputs): string[] {
  const out: string[] = [];
  if (before.dockerfile !== after.dockerfile) out.push('Dockerfile changed');
  if (before.context !== after.context) out.push('build context files changed');
  out.push(...diffMap('build argument', before.args ?? {}, after.args ?? {}));
  for (const ref of Object.keys(after.parents).sort()) {
    if (!(ref in (before.parents ?? {}))) out.push(`parent ${ref} is new`);
    else if (before.parents[ref] !== after.parents[ref]) out.push(`parent ${ref} changed`);
  }
  out.push(...diffMap('package', before.packages ?? {}, after.packages ?? {}, (k) => (k === WHOLE_INDEX ? 'index of the contrail repo' : k)));
  if (before.ansible !== after.ansible) out.push('contrail-ansible artifact changed');
  return out;
}

export function decide(existing: ExistingImage | null, inputs: ImageInputs, options: { noCache: boolean }): Decision {
  if (options.noCache) return { build: true, reason: 'forced by --no-cache' };
  if (!existing) return { build: true, reason: 'not built yet' };
  const hash = inputHash(inputs);
  const had = existing.labels[LABELS.inputHash];
  if (!had) return { build: true, reason: 'the image under this tag was not made by this pipeline (no input hash label)' };
  if (had === hash) return { build: false, reason: `up to date (input hash ${hash.slice(0, 12)})` };
  const before = parseInputsLabel(existing.labels[INPUTS_LABEL]);
  const changes = before ? changedInputs(before, inputs) : [];
  return { build: true, reason: changes.length ? changes.join(', ') : 'inputs changed' };
}

/**
 * Whether Docker's layer cache would hand back a stale package install: a Dockerfile step that
 * runs contrail-install has the same text and build arguments when only the packages' contents
 * changed (same name, often the same version), so the engine would reuse the old layer. When the
 * packages an image installs differ from those its current image was built with, it is built
 * without the cache.
 */
export function packagesOutrunCache(existing: ExistingImage | null, inputs: ImageInputs): boolean {
  if (!existing || Object.keys(inputs.packages ?? {}).length === 0) return false;
  const before = parseInputsLabel(existing.labels[INPUTS_LABEL]);
  if (!before) return true;
  return diffMap('package', before.packages ?? {}, inputs.packages).length > 0;
}
