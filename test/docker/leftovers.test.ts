/**
 * The Docker tests' own clean-up (test/helpers/leftovers.ts): a rebuilt tag leaves the older image
 * dangling; the clean-up removes exactly the images of the file's versions that became dangling
 * while it ran, and leaves older dangling ones. Version 13.0.0-3.
 */
import test from 'ava';
import { docker, removeImage } from '../helpers/docker';
import { danglingImages, oneOf, removeNewlyDangling } from '../helpers/leftovers';
import { buildTinyImage } from '../helpers/tinyImages';

const VERSION = '13.0.0-3';
const mine = oneOf(VERSION);

test('an image left dangling by a rebuild is removed; one dangling before is kept; the tagged one is not touched', async (t) => {
  const old = await buildTinyImage({ component: 'leftover-old', version: VERSION });
  await buildTinyImage({ component: 'leftover-old', version: VERSION }); // `old` is dangling now, before "the file starts"
  const before = new Set(await danglingImages(mine));
  t.true(before.has(old.id), 'a rebuilt tag leaves the older image dangling');
  const first = await buildTinyImage({ component: 'leftover', version: VERSION });
  const second = await buildTinyImage({ component: 'leftover', version: VERSION });
  t.not(first.id, second.id);
  t.deepEqual(await removeNewlyDangling(before, mine), [first.id]);
  t.false((await danglingImages(mine)).includes(first.id));
  t.true((await danglingImages(mine)).includes(old.id), 'dangling before: not ours to judge');
  t.truthy(await docker.getImage(second.ref).inspect(), 'the tagged image stays');
  // what this test made goes
  await docker.getImage(old.id).remove();
  await removeImage(second.ref);
  await removeImage(imageLeftOld());
  t.deepEqual(await danglingImages(mine), []);
});

const imageLeftOld = () => `contrail-leftover-old-debian12:${VERSION}`;
