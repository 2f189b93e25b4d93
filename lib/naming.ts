/**
 * Every name the pipeline gives to an image, container or file, in one place. The image names
 * are the original build's, because deployments (contrail-ansible's node role) look them up:
 * `{{docker_registry}}/contrail-<component>-<os>:<version>`.
 */

export const imageRepository = (component: string, os: string) => `contrail-${component}-${os}`;
export const imageRef = (component: string, os: string, version: string) => `${imageRepository(component, os)}:${version}`;

export const repoImageRef = (os: string, version: string) => `contrail-repo-${os}:${version}`;
export const repoContainerName = (os: string, port: number) => `contrail-repo-${os}-${port}`;
export const builderImageRef = (os: string, version: string) => `contrail-builder-${os}:${version}`;
export const galaxyImageRef = (os: string, version: string) => `contrail-galaxy-${os}:${version}`;

export const ansibleArtifactName = (version: string) => `contrail-ansible-${version}.tar.gz`;
/** the manifest JSON beside the artifact: what it was made from, and its sha256 */
export const ansibleManifestName = (version: string) => `contrail-ansible-${version}.manifest.json`;
export const familyArchiveName = (os: string, version: string) => `contrail-images-${os}-${version}.tar.gz`;
export const perImageArchiveName = (component: string, os: string, version: string) =>
  `contrail-${component}-${os}-${version}.tar.gz`;

/** `<registry>/<ref>`: the registry as given, host[:port][/namespace]. */
export const registryRef = (registry: string, ref: string) => `${registry.replace(/\/+$/, '')}/${ref}`;

/** Splits `name:tag` (a registry port is not a tag). */
export function splitRef(ref: string): { repository: string; tag: string } {
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) return { repository: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repository: ref, tag: 'latest' };
}
