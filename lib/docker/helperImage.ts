/**
 * The pipeline's helper images (contrail-builder, contrail-repo, contrail-galaxy): each is
 * labelled with the hash of what it is made from, reused while that label matches, and rebuilt
 * otherwise. One place for the reuse check, the build and its failure message.
 */
import type Docker from 'dockerode';
import { buildError } from '../errors';
import { buildImage, logTail } from './build';
import { localImage } from './images';
import { LABELS, projectLabels, type Role } from './labels';

export { currentImageId } from './images';

export interface HelperImageRequest {
  ref: string;
  hash: string;
  role: Role;
  os: string;
  version: string;
  context: NodeJS.ReadableStream;
  buildArgs?: Record<string, string>;
  network: string;
  logFile: string;
  signal?: AbortSignal;
  /** the image in the user's words, for the error: 'packageBuild: the builder image' */
  what: string;
  /** what to check when it does not build */
  hint?: string;
  /** more labels (not part of its hash) */
  labels?: Record<string, string>;
}

/** Builds the helper image under its label; returns its id, or throws naming it and its log. */
export async function buildHelperImage(docker: Docker, req: HelperImageRequest): Promise<string> {
  const outcome = await buildImage(docker, {
    context: req.context,
    ref: req.ref,
    dockerfile: 'Dockerfile',
    buildArgs: req.buildArgs ?? {},
    labels: projectLabels(req.role, { ...req.labels, [LABELS.inputHash]: req.hash, [LABELS.os]: req.os, [LABELS.version]: req.version }),
    network: req.network,
    noCache: false,
    logFile: req.logFile,
    signal: req.signal,
  });
  if (outcome.error) {
    throw buildError(`${req.what} ${req.ref} did not build: ${outcome.error}`,
      req.hint ? `see ${req.logFile}; ${req.hint}` : `see ${req.logFile}`, { details: logTail(req.logFile) });
  }
  const made = await localImage(docker, req.ref);
  if (!made) throw buildError(`${req.what} ${req.ref} was built, but the engine does not have it`, `see ${req.logFile}`);
  return made.id;
}
