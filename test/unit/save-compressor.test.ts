import test from 'ava';
import * as crypto from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import { gzipCompressor, onPath, pigzCompressor, zlibCompressor, type Compressor } from '../../lib/save/compressor';

/** 24 MiB, half random (incompressible), half text, in 64 KiB chunks as the engine sends them */
const input = Buffer.concat([crypto.randomBytes(12 << 20), Buffer.from('contrail '.repeat((12 << 20) / 9 + 1)).subarray(0, 12 << 20)]);

async function compress(c: Compressor, data: Buffer): Promise<Buffer> {
  const out: Buffer[] = [];
  const chunks = function* () {
    for (let i = 0; i < data.length; i += 65536) yield data.subarray(i, i + 65536);
  };
  await pipeline(Readable.from(chunks()), c.stream(), new Writable({ write(chunk, _e, done) { out.push(chunk); done(); } }));
  return Buffer.concat(out);
}

test('pigz (ensure-engine installs it) is found on PATH and writes a gzip that gunzip reads back, the same bytes every time', async (t) => {
  const pigz = onPath('pigz');
  t.truthy(pigz, 'pigz is on PATH: run bash scripts/ensure-engine.sh');
  const c = gzipCompressor(6, process.env, 2);
  t.is(c.describe, 'pigz (2 threads, level 6)');
  const a = await compress(c, input);
  t.deepEqual([a[0], a[1]], [0x1f, 0x8b]);
  t.true(zlib.gunzipSync(a).equals(input));
  t.true((await compress(c, input)).equals(a), 'no name or time in the header');
  // a size no larger than zlib's at the same level, give or take pigz's block boundaries
  const z = await compress(zlibCompressor(6), input);
  t.true(a.length <= z.length * 1.01, `pigz ${a.length} vs zlib ${z.length}`);
});

test('without pigz on PATH: zlib on one thread, said so', async (t) => {
  const c = gzipCompressor(1, { PATH: '/nonexistent:/also/not' });
  t.regex(c.describe, /^zlib \(one thread, level 1; no pigz on PATH\)$/);
  t.true(zlib.gunzipSync(await compress(c, input)).equals(input));
  t.is(onPath('pigz', { PATH: '' }), null);
});

test('a compressor process that fails fails the stream, with its message', async (t) => {
  const e = await t.throwsAsync(compress(pigzCompressor('/bin/false', 6, 2), input));
  t.regex(e!.message, /pigz failed \(exit 1\)/);
  const bad = await t.throwsAsync(compress(pigzCompressor(onPath('pigz')!, 42, 2), input));
  t.regex(bad!.message, /pigz failed \(exit 22\).*only levels 0..9 and 11 are allowed/);
});
