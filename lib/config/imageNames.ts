/**
 * Values that become part of an image reference, a container name or a tag are checked with
 * Docker's own reference grammar when the config is resolved: `debian12.` or `a//b` pass a loose
 * pattern but make names Docker cannot read (or reads differently) hours later, after debootstrap.
 * Pure; throws one input error naming the key.
 */
import { inputError } from '../errors';
import { isImageReference } from '../images/dockerfile';
import { builderImageRef, galaxyImageRef, imageRef, registryRef, repoContainerName, repoImageRef } from '../naming';
import { quote } from '../text';

/** Docker's container name rule. */
const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export interface NamedValues {
  os: string;
  baseImage: string;
  version: string;
  registry: string | null;
  images: Record<string, unknown>;
  repo: { port: number };
}

/** `where(['os'])` -> how to name the key in a message (with the file, variable or flag it came from). */
export type Where = (parts: string[]) => string;

const OS_HINT = 'lower-case letters and digits, separated by single ".", "_", "__" or "-" and ending in a letter or digit, e.g. ubuntu16.04 or debian12';

export function checkImageNames(c: NamedValues, where: Where): void {
  if (!isImageReference(c.baseImage)) {
    throw inputError(`${where(['baseImage'])} ${quote(c.baseImage)} is not an image reference Docker can read`,
      'write [host[:port]/]name[:tag], name parts in lower case separated by single "/", e.g. ubuntu:16.04 or debian:bookworm');
  }
  const ours = [...Object.keys(c.images), 'base'].map((component) => imageRef(component, c.os, c.version));
  const helpers = [repoImageRef(c.os, c.version), builderImageRef(c.os, c.version), galaxyImageRef(c.os, c.version)];
  for (const ref of [...ours, ...helpers]) {
    if (!isImageReference(ref)) {
      // the version has its own schema pattern; what is left to go wrong is the OS name
      throw inputError(`${where(['os'])} ${quote(c.os)} would make the image name ${quote(ref)}, which Docker cannot read`, OS_HINT);
    }
  }
  const container = repoContainerName(c.os, c.repo.port);
  if (!CONTAINER_NAME.test(container)) {
    throw inputError(`${where(['os'])} ${quote(c.os)} would make the container name ${quote(container)}, which Docker refuses`, OS_HINT);
  }
  if (c.registry !== null) {
    for (const ref of ours) {
      const full = registryRef(c.registry, ref);
      if (!isImageReference(full)) {
        throw inputError(`${where(['registry'])} ${quote(c.registry)} would make the image name ${quote(full)}, which Docker cannot read`,
          'give host[:port][/namespace], e.g. 127.0.0.1:5000 or registry.example.com/contrail');
      }
    }
  }
}
