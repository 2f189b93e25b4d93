/**
 * The save folder: given, writable, and errors about it that say what to do. Checked before any
 * build starts, so a missing or read-only folder fails in a second, not after the build.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildError, inputError, type PipelineError } from '../errors';
import { tempNameFor } from '../fs/atomic';

const HOW = 'give one with --save-dir DIR, the environment variable CONTAINER_SAVE_LOCATION, or "saveDir" in the config file';

/** A file system error while writing `file` into the save folder `dir`, as one clear error. */
export function saveFolderError(e: unknown, dir: string, file?: string): PipelineError {
  const code = (e as NodeJS.ErrnoException)?.code;
  const writing = file ? `writing ${path.basename(file)} ` : '';
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return buildError(
        `save folder ${dir} is full: ${writing}failed (${code === 'ENOSPC' ? 'no space left on device' : 'disk quota exceeded'}); no partial file was left`,
        'free space there, or give a folder with more room with --save-dir',
        { cause: e },
      );
    case 'EROFS':
      return inputError(`save folder ${dir} is on a read-only file system`, `give a writable folder: ${HOW}`, { cause: e });
    case 'EACCES':
    case 'EPERM':
      return inputError(`save folder ${dir} cannot be written (permission denied)`, `give a folder you may write to: ${HOW}`, { cause: e });
    case 'ENOTDIR':
    case 'EEXIST':
      return inputError(`save folder ${dir} is not a folder (a file is in the way)`, HOW, { cause: e });
    default:
      return buildError(`${writing || 'writing '}into save folder ${dir} failed: ${(e as Error)?.message ?? String(e)}`, undefined, { cause: e });
  }
}

/** Makes the folder if needed and proves it can be written, leaving nothing behind. */
export function prepareSaveFolder(dir: string | null): string {
  if (dir === null) throw inputError('save needs a folder to save into, and none is given', HOW);
  try {
    fs.mkdirSync(dir, { recursive: true });
    if (!fs.statSync(dir).isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
    const probe = tempNameFor(path.join(dir, 'probe'));
    fs.writeFileSync(probe, '');
    fs.rmSync(probe, { force: true });
  } catch (e) {
    throw saveFolderError(e, dir);
  }
  return dir;
}
