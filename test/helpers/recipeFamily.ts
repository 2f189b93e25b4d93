/**
 * The files of a small family of a test's own (plan.test.ts, sbomFamily.test.ts): each image's
 * Dockerfile, contrail-install beside the root image's, and a ready contrail-ansible artifact at
 * <root>/ansible.tar.gz (no image of such a family embeds it; prep only copies it).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tar from 'tar';

export interface FamilyImageSpec {
  dockerfile: string;
  packages: string[];
}

/** Writes the files under `root` and returns the config's `images`. */
export async function writeFamilyFiles(root: string, images: Record<string, FamilyImageSpec>, rootImage = 'root'): Promise<Record<string, unknown>> {
  const config: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(images)) {
    fs.mkdirSync(path.join(root, 'images', name), { recursive: true });
    fs.writeFileSync(path.join(root, 'images', name, 'Dockerfile'), spec.dockerfile);
    config[name] = { dockerfile: `images/${name}/Dockerfile`, packages: spec.packages };
  }
  fs.copyFileSync(path.join(__dirname, '..', '..', 'dockerfiles', 'base', 'contrail-install'), path.join(root, 'images', rootImage, 'contrail-install'));
  fs.mkdirSync(path.join(root, 'ansible', 'contrail-ansible'), { recursive: true });
  fs.writeFileSync(path.join(root, 'ansible', 'contrail-ansible', 'site.yml'), '- hosts: all\n');
  await tar.c({ gzip: true, file: path.join(root, 'ansible.tar.gz'), cwd: path.join(root, 'ansible') }, ['contrail-ansible']);
  return config;
}
