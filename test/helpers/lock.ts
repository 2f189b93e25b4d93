import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { processAlive } from '../../lib/lock';

const LOCKS = path.join(os.tmpdir(), 'contrail-docker-test-locks');


/**
 * Runs `fn` while holding a lock shared by every test process of this machine, so that ava's
 * parallel test files make a shared fixture (base image, demo family) once, not at once.
 */
export async function withTestLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const dir = path.join(LOCKS, name);
  fs.mkdirSync(LOCKS, { recursive: true });
  for (;;) {
    try {
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'pid'), String(process.pid));
      break;
    } catch {
      let owner = NaN;
      try {
        owner = Number(fs.readFileSync(path.join(dir, 'pid'), 'utf8'));
      } catch {
        /* being written */
      }
      if (Number.isInteger(owner) && owner > 0 && !processAlive(owner)) fs.rmSync(dir, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
