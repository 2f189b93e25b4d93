/**
 * The labels every family image carries: the OCI annotations users' tools read, and ours, by
 * which later runs (skip, save, push, clean) find the images and tell whether they are current.
 */
import { LABEL_PREFIX, LABELS, projectLabels } from '../docker/labels';
import { imageRepository } from '../naming';
import { type ImageInputs, inputHash } from './inputs';

/** JSON of the inputs breakdown (ImageInputs), so a later run can say which input changed */
export const INPUTS_LABEL = `${LABEL_PREFIX}inputs`;

export const OCI = {
  version: 'org.opencontainers.image.version',
  title: 'org.opencontainers.image.title',
  revision: 'org.opencontainers.image.revision',
  created: 'org.opencontainers.image.created',
} as const;

export interface FamilyLabelInput {
  component: string;
  os: string;
  version: string;
  inputs: ImageInputs;
  /** the contrail-ansible commit ('' when unknown) */
  revision: string;
  created: Date;
}

export function familyLabels(l: FamilyLabelInput): Record<string, string> {
  return {
    [OCI.version]: l.version,
    [OCI.title]: imageRepository(l.component, l.os),
    [OCI.revision]: l.revision,
    [OCI.created]: l.created.toISOString(),
    ...projectLabels('family', {
      [LABELS.component]: l.component,
      [LABELS.inputHash]: inputHash(l.inputs),
      [LABELS.os]: l.os,
      [LABELS.version]: l.version,
    }),
    [INPUTS_LABEL]: JSON.stringify(l.inputs),
  };
}
