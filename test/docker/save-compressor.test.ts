/**
 * save's compressor against the real engine: pigz on every core when it is on PATH, zlib
 * otherwise; either archive loads back with the same image ids; an interrupt ends pigz too.
 * Version 11.0.0-6 is this file's own.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import { memoryLogger } from '../../lib/log';
import { gzipCompressor } from '../../lib/save/compressor';
import { saveAll, type SaveRequest } from '../../lib/save/saveAll';
import type { ShipImage } from '../../lib/ship';
import { docker, removeImage } from '../helpers/docker';
import { tempDir } from '../helpers/temp';
import { buildTinyImage, imageId } from '../helpers/tinyImages';

const VERSION = '11.0.0-6';
const archive = `contrail-images-debian12-${VERSION}.tar.gz`;
let images: ShipImage[] = [];

test.before(async () => {
  // 16 MiB of random bytes each: pigz runs long enough to be seen (and interrupted) on a loaded machine
  for (const component of ['base', 'controller']) images.push(await buildTinyImage({ component, version: VERSION, kb: 16384 }));
});

test.after.always(async () => {
  for (const i of images) await removeImage(i.ref);
});

const request = (dir: string, over: Partial<SaveRequest>): SaveRequest => ({
  dir, os: 'debian12', version: VERSION, perImage: false, gzipLevel: 6, images, ansible: null, log: memoryLogger(!!process.env.TEST_ECHO), ...over,
});

/** pigz processes that are children of this test process */
function ourPigz(): number[] {
  return fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      return /^\d+ \(pigz\) \S+ (\d+)/.exec(stat)?.[1] === String(process.pid);
    } catch {
      return false;
    }
  }).map(Number);
}

async function loadsBack(t: any, file: string) {
  t.is(spawnSync('gzip', ['-t', file]).status, 0, 'a valid gzip');
  for (const i of images) await removeImage(i.ref);
  for (const i of images) t.is(await imageId(i.ref), null);
  const r = spawnSync('docker', ['load', '-i', file], { encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
  for (const i of images) t.is(await imageId(i.ref), i.id, i.ref);
}

test.serial('with pigz on PATH: the archive is made by pigz on every core, the console says so, and it loads back with the same ids', async (t) => {
  const compressor = gzipCompressor(6);
  t.regex(compressor.describe, /^pigz \(\d+ threads?, level 6\)$/, 'pigz is on PATH (scripts/ensure-engine.sh installs it)');
  const dir = tempDir();
  const log = memoryLogger(!!process.env.TEST_ECHO);
  await saveAll(docker, request(dir, { log }));
  t.regex(log.text(), new RegExp(`saving .* into ${archive.replace(/\./g, '\\.')}, compressed by pigz \\(\\d+ threads?, level 6\\)`));
  await loadsBack(t, path.join(dir, archive));
});

test.serial('without pigz: zlib on one thread, said in the console; the archive loads back with the same ids', async (t) => {
  const dir = tempDir();
  const log = memoryLogger(!!process.env.TEST_ECHO);
  await saveAll(docker, request(dir, { log, compressor: gzipCompressor(6, { PATH: '/nonexistent' }) }));
  t.regex(log.text(), /compressed by zlib \(one thread, level 6; no pigz on PATH\)/);
  await loadsBack(t, path.join(dir, archive));
});

test.serial('an interrupt mid-stream ends pigz and leaves no partial file', async (t) => {
  const dir = tempDir();
  const controller = new AbortController();
  const saving = saveAll(docker, request(dir, { signal: controller.signal }));
  for (let i = 0; i < 400 && ourPigz().length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  t.true(ourPigz().length > 0, 'pigz was running');
  controller.abort(new Error('interrupted by SIGINT'));
  await t.throwsAsync(saving);
  for (let i = 0; i < 50 && ourPigz().length; i++) await new Promise((r) => setTimeout(r, 100));
  t.deepEqual(ourPigz(), []);
  t.deepEqual(fs.readdirSync(dir), []);
});
