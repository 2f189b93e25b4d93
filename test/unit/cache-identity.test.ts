import test from 'ava';
import { hashTag, isCacheTag, registryPlace, sourcesTag } from '../../lib/cache/identity';
import { parseRegistry } from '../../lib/config/checks';

const H = 'ab'.repeat(32);

test('hash tag: h- and the whole input hash, with or without sha256:', (t) => {
  t.is(hashTag(H), `h-${H}`);
  t.is(hashTag(`sha256:${H}`), `h-${H}`);
  t.is(sourcesTag(H), `src-${H}`);
  t.true(isCacheTag(hashTag(H)) && isCacheTag(sourcesTag(H)));
  t.false(isCacheTag('4.0.0.0-20'));
  t.false(isCacheTag(`h-${H.slice(1)}`));
  // a tag is at most 128 characters of [\w][\w.-]*
  t.regex(sourcesTag(H), /^[\w][\w.-]{0,127}$/);
});

test('hash tag: anything but a 64-hex hash is refused (a short or foreign value would find the wrong image)', (t) => {
  for (const bad of ['', H.slice(0, 63), `${H}0`, H.toUpperCase(), `md5:${H}`]) t.throws(() => hashTag(bad));
});

test('registry place: the same repository as the version tag, with the namespace', (t) => {
  t.deepEqual(registryPlace(parseRegistry('127.0.0.1:5000', 'registry'), 'contrail-base-debian12:1.0'),
    { name: 'contrail-base-debian12', repository: '127.0.0.1:5000/contrail-base-debian12' });
  t.deepEqual(registryPlace(parseRegistry('reg:5000/team/contrail', 'registry'), 'contrail-repo-debian12:1.0'),
    { name: 'team/contrail/contrail-repo-debian12', repository: 'reg:5000/team/contrail/contrail-repo-debian12' });
});
