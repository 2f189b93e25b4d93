import test from 'ava';
import { parseRegistry } from '../../lib/config/checks';
import { planPublish, publishTargets } from '../../lib/push/publishFromCache';

const h = (c: string) => c.repeat(64);
const manifest = (d: string) => ({ digest: `sha256:${d.repeat(64)}`, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', body: '{}' });

test('targets: the registry name and version ref of each image, its identity tag from the input hash, none without one', (t) => {
  const targets = publishTargets([
    { component: 'base', ref: 'contrail-base-debian12:4.0', inputHash: h('a') },
    { component: 'lb', ref: 'contrail-lb-debian12:4.0', inputHash: null, reason: 'blocked by contrail-base-debian12:4.0' },
  ], parseRegistry('127.0.0.1:19650/ci', 'registry'), '4.0');
  t.deepEqual(targets[0], { component: 'base', name: 'ci/contrail-base-debian12', ref: '127.0.0.1:19650/ci/contrail-base-debian12:4.0', identity: `h-${h('a')}`, tag: '4.0' });
  t.is(targets[1].identity, null);
  t.is(targets[1].reason, 'blocked by contrail-base-debian12:4.0');
});

test('the plan: every identity tag there moves every version tag (unchanged where it points there already); one missing moves none', (t) => {
  const targets = publishTargets(['base', 'lb', 'agent'].map((c, k) => ({ component: c, ref: `contrail-${c}-x:1`, inputHash: h(String(k)) })), parseRegistry('127.0.0.1:19650', 'registry'), '1');
  const all = planPublish(targets, [{ stored: manifest('1'), current: null }, { stored: manifest('2'), current: manifest('2').digest }, { stored: manifest('3'), current: manifest('9').digest }]);
  t.deepEqual(all.missing, []);
  t.deepEqual(all.moves.map((m) => [m.target.component, m.manifest.digest, m.unchanged]), [['base', manifest('1').digest, false], ['lb', manifest('2').digest, true], ['agent', manifest('3').digest, false]]);
  const one = planPublish(targets, [{ stored: manifest('1'), current: null }, { stored: null, current: null }, { stored: manifest('3'), current: null }]);
  t.deepEqual(one.moves, []);
  t.deepEqual(one.missing.map((m) => m.component), ['lb']);
});
