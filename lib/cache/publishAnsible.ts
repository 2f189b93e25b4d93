/** push's part for the contrail-ansible artifact: stored in the registry when it was made from git. */
import * as fs from 'node:fs';
import { parseManifest } from '../ansible/manifest';
import type { Logger } from '../log';
import type { RegistryTarget } from '../push/connect';
import type { AnsibleResult } from '../steps';
import { storeArtifact } from './ansibleArtifact';

export async function publishAnsibleArtifact(target: RegistryTarget, ansible: AnsibleResult, log: Logger): Promise<void> {
  const manifest = parseManifest(fs.readFileSync(ansible.manifest, 'utf8'));
  if (!manifest || manifest.source !== 'git' || !manifest.repo || !manifest.commit) return;
  const what = await storeArtifact(target.client, target.address, fs.readFileSync(ansible.artifact), manifest);
  log.info(`contrail-ansible: artifact of ${manifest.commit.slice(0, 12)} ${what === 'stored' ? 'stored in' : 'already in'} ${target.address.host} (contrail-ansible:a-...)`);
}
