/**
 * The SBOMs of one family version, for sbomDiff: from a save folder (manifest.json's documents,
 * each checked against its recorded sha256) or from a registry (each image's version tag, then the
 * SBOM artifact that refers to it: through the referrers API, else the referrers tag schema).
 */
import * as path from 'node:path';
import { inputError } from '../errors';
import { sha256 } from '../hash';
import { readTextOrNull } from '../fs/read';
import type { RegistryClient } from '../push/registryApi';
import { parseSaveManifest } from '../save/manifest';
import { quote } from '../text';
import { attachedDocument } from './attached';
import { SBOM_MEDIA_TYPE } from './cyclonedx';
import { type SbomPackage, sbomPackages } from './diff';

/** image name (without tag) -> its packages */
export type FamilySboms = Map<string, SbomPackage[]>;

export function sbomsFromFolder(dir: string, what: string): FamilySboms {
  const manifest = parseSaveManifest(readTextOrNull(path.join(dir, 'manifest.json')));
  if (!manifest) throw inputError(`${what} ${quote(dir)} is not a save folder: it has no readable manifest.json`, 'give a folder that gulp save wrote (--save-dir)');
  if (!manifest.documents?.length) throw inputError(`${what} ${quote(dir)} holds no SBOMs (saved before they were written)`, 'save that version again with this pipeline: the images are kept, only the documents are added');
  const out: FamilySboms = new Map();
  for (const d of manifest.documents) {
    const file = path.join(dir, d.sbom.file);
    const text = readTextOrNull(file);
    if (text === null || sha256(text) !== d.sbom.sha256) {
      throw inputError(`${what}: ${quote(file)} is ${text === null ? 'missing' : 'not the file manifest.json lists (its sha256 differs)'}`, 'save that version again, or restore the folder as it was written (sha256sum -c SHA256SUMS)');
    }
    out.set(d.ref.replace(/:[^:/]*$/, ''), parseSbom(text, file));
  }
  return out;
}

function parseSbom(text: string, where: string): SbomPackage[] {
  try {
    return sbomPackages(text);
  } catch (e) {
    throw inputError(`${where} is not a CycloneDX SBOM this pipeline can read: ${(e as Error).message}`, 'give SBOMs gulp save or push made');
  }
}

/** The SBOM of `<name>:<version>`'s image, or null when the registry has no such tag. */
async function sbomOf(client: RegistryClient, name: string, version: string): Promise<string | null> {
  const image = await client.manifest(name, version);
  if (!image) return null;
  const sbom = await attachedDocument(client, name, image.digest, SBOM_MEDIA_TYPE);
  if (!sbom) throw inputError(`${name}:${version} in registry ${client.host} has no SBOM attached`, 'push that version again with this pipeline: the images are not uploaded again, only the documents are attached');
  if (sbom.text === null) throw inputError(`the SBOM artifact ${name}@${sbom.artifact} in registry ${client.host} has no document`, 'push that version again');
  return sbom.text;
}

/** `names`: the registry names of the family's images (with the namespace). */
export async function sbomsFromRegistry(client: RegistryClient, names: string[], version: string, what: string): Promise<FamilySboms> {
  const out: FamilySboms = new Map();
  for (const name of names) {
    const text = await sbomOf(client, name, version);
    if (text !== null) out.set(name.slice(name.lastIndexOf('/') + 1), parseSbom(text, `${name}:${version}'s SBOM`));
  }
  if (!out.size) throw inputError(`${what} ${quote(version)}: registry ${client.host} has none of the family's images under that tag`, `check the version; the images are ${names.join(', ')}`);
  return out;
}
