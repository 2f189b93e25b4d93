import { runCache } from '../lib/cache/run';
import type { Run } from '../lib/run';
import { shipDocuments } from '../lib/sbom/shipDocuments';
import type { OsFamily } from '../lib/packages/osFamily';
import { saveAll, type SaveResult } from '../lib/save/saveAll';
import { prepareSaveFolder } from '../lib/save/saveFolder';
import type { AnsibleResult, BuildResult, RepoResult } from '../lib/steps';
import { onThisEngine } from './onThisEngine';
import { shippableImages } from './shippableImages';

/** Before any build: a save folder is given and can be written. */
export async function checkSaveDir(run: Run): Promise<string> {
  return prepareSaveFolder(run.config.saveDir);
}

/** The family, the repo image and the ansible artifact into the save folder. */
export async function saveImages(run: Run, needs: { images: BuildResult; repo: RepoResult; ansible: AnsibleResult; dir: string; family: () => Promise<OsFamily> }): Promise<SaveResult> {
  const docker = await run.engine();
  const c = run.config;
  const images = await onThisEngine(run, await shippableImages(docker, needs.images, needs.repo, 'save'));
  const family = await needs.family();
  // images taken from the cache registry keep the documents they were built with
  const documents = await shipDocuments(docker, { images, repo: needs.repo, ansible: needs.ansible, family, config: c, jobs: c.jobs }, () => runCache(run), run.log);
  return saveAll(docker, {
    dir: needs.dir, os: c.os, version: c.version, perImage: c.save.perImage, gzipLevel: c.save.gzipLevel,
    images, ansible: needs.ansible, documents, log: run.log, signal: run.signal,
  });
}
