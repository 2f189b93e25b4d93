/**
 * Labels this project puts on what it makes. Reality, not stamp files: what exists and whether
 * it is up to date is read back from these labels.
 */
export const LABEL_PREFIX = 'org.opencontrail.build.';

export const LABELS = {
  /** always 'contrail-docker': marks everything this project made, and nothing else */
  project: `${LABEL_PREFIX}project`,
  /** what the thing is: see Role */
  role: `${LABEL_PREFIX}role`,
  /** family images: the component name ('base' for contrail-base) */
  component: `${LABEL_PREFIX}component`,
  /** content hash of everything the thing was made from */
  inputHash: `${LABEL_PREFIX}input-hash`,
  os: `${LABEL_PREFIX}os`,
  version: `${LABEL_PREFIX}version`,
  /** the work folder of the run that made it, for containers */
  workDir: `${LABEL_PREFIX}work-dir`,
} as const;

export const PROJECT = 'contrail-docker';

/** contrail-repo images built from sources: the key of their commits and the recipe (lib/cache/packages.ts) */
export const SOURCES_KEY_LABEL = `${LABEL_PREFIX}sources-key`;
/** ... and the packageBuild manifest.json they were made with, restored from the image on a fresh host */
export const PACKAGES_MANIFEST_LABEL = `${LABEL_PREFIX}packages-manifest`;

export type Role = 'base-os' | 'repo' | 'builder' | 'galaxy' | 'family' | 'build-step';

export function projectLabels(role: Role, extra: Record<string, string> = {}): Record<string, string> {
  return { [LABELS.project]: PROJECT, [LABELS.role]: role, ...extra };
}

/** A filter for listImages/listContainers: this project's things, optionally of one role. */
export function projectFilter(role?: Role, extra: Record<string, string> = {}): { label: string[] } {
  const label = [`${LABELS.project}=${PROJECT}`];
  if (role) label.push(`${LABELS.role}=${role}`);
  for (const [k, v] of Object.entries(extra)) label.push(`${k}=${v}`);
  return { label };
}
