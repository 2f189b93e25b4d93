import test from 'ava';
import { propagateRebuilds, type PlannedSource } from '../../lib/packages/buildPlan';
import { binaryPackages, buildDependencies } from '../../lib/packages/control';

const CONTROL = `Source: contrail-control
Build-Depends: debhelper-compat (= 13),
 contrail-lib-dev (>= 1.0) [amd64] | libfoo-dev,
 gcc:native <!nocheck>
Build-Depends-Indep: python3-all

Package: contrail-control
Architecture: any

Package: contrail-dns
Architecture: any
`;

test('build dependencies and binary packages from debian/control', (t) => {
  t.deepEqual(buildDependencies(CONTROL), ['contrail-lib-dev', 'debhelper-compat', 'gcc', 'libfoo-dev', 'python3-all']);
  t.deepEqual(binaryPackages(CONTROL), ['contrail-control', 'contrail-dns']);
  t.deepEqual(buildDependencies('Source: x\n'), []);
});

const skip = { skip: true, reason: 'unchanged' };
const changed = { skip: false, reason: 'its revision or the build recipe changed' };
const src = (name: string, decision: typeof skip, produces: string[] | null, buildDepends: string[] = []): PlannedSource =>
  ({ name, decision, produces, buildDepends });

test('a source is rebuilt when an earlier rebuilt source makes one of its build-dependencies', (t) => {
  const d = propagateRebuilds([
    src('contrail-lib', changed, ['contrail-lib', 'contrail-lib-dev']),
    src('contrail-utils', skip, ['contrail-utils']),
    src('contrail-control', skip, ['contrail-control'], ['contrail-lib-dev', 'debhelper']),
    src('contrail-analytics', skip, ['contrail-analytics'], ['contrail-control']),
  ]);
  t.deepEqual(d.map((x) => x.skip), [false, true, false, false]);
  t.is(d[2].reason, 'it build-depends on contrail-lib-dev, which contrail-lib rebuilds');
  t.is(d[3].reason, 'it build-depends on contrail-control, which contrail-control rebuilds');
});

test('nothing rebuilt: everything stays skipped; an earlier source is never rebuilt for a later one', (t) => {
  t.deepEqual(propagateRebuilds([src('a', skip, ['a']), src('b', skip, ['b'], ['a'])]).map((x) => x.skip), [true, true]);
  t.deepEqual(propagateRebuilds([src('a', skip, ['a'], ['b']), src('b', changed, ['b'])]).map((x) => x.skip), [true, false]);
});

test('a rebuilt source whose packages are not known rebuilds later sources that build-depend on anything', (t) => {
  const d = propagateRebuilds([src('new', changed, null), src('b', skip, ['b'], ['x']), src('c', skip, ['c'])]);
  t.deepEqual(d.map((x) => x.skip), [false, false, true]);
  t.regex(d[1].reason, /new rebuilds and its packages are not known yet/);
});
