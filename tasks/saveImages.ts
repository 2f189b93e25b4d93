import type { Run } from '../lib/run';
import { saveAll, type SaveResult } from '../lib/save/saveAll';
import { prepareSaveFolder } from '../lib/save/saveFolder';
import { contrailAnsible } from './contrailAnsible';
import { shippableImages } from './ship';

/** Before any build: a save folder is given and can be written. */
export async function checkSaveDir(run: Run): Promise<string> {
  return run.once('checkSaveDir', async () => prepareSaveFolder(run.config.saveDir));
}

export async function saveImages(run: Run): Promise<SaveResult> {
  return run.once('saveImages', async () => {
    await checkSaveDir(run);
    const docker = await run.engine();
    const images = await shippableImages(run, 'save');
    const ansible = await contrailAnsible(run);
    const c = run.config;
    return saveAll(docker, {
      dir: c.saveDir, os: c.os, version: c.version, perImage: c.save.perImage, gzipLevel: c.save.gzipLevel,
      images, ansible, log: run.log, signal: run.signal,
    });
  });
}
