/**
 * scripts/deferModule.js: a module put in the require cache as a stand-in loads the real one at
 * its first call, not before; called, or constructed with `new` (docker-modem's stdin duplex is
 * a constructor), it behaves as the real export.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { deferModule } from '../../scripts/deferModule';
import { tempDir } from '../helpers/temp';

const loads = (globalThis as { deferTestLoads?: Record<string, number> });

function moduleFile(name: string, body: string): string {
  const file = path.join(tempDir('contrail-defer-'), `${name}.js`);
  fs.writeFileSync(file, `globalThis.deferTestLoads = globalThis.deferTestLoads || {};\nglobalThis.deferTestLoads[${JSON.stringify(name)}] = (globalThis.deferTestLoads[${JSON.stringify(name)}] || 0) + 1;\n${body}`);
  return file;
}

test('a constructor: not loaded until the first new, then an instance of the real one', (t) => {
  const file = moduleFile('duplexLike', 'function Duplex(a) { this.a = a; }\nDuplex.prototype.twice = function () { return this.a * 2; };\nmodule.exports = Duplex;');
  deferModule(file);
  const Deferred = require(file);
  t.is(loads.deferTestLoads?.duplexLike, undefined, 'required, not loaded');
  const d = new Deferred(21);
  t.is(d.twice(), 42);
  t.is(Object.getPrototypeOf(d).twice, d.twice);
  t.is(loads.deferTestLoads?.duplexLike, 1);
  new Deferred(1);
  t.is(loads.deferTestLoads?.duplexLike, 1, 'loaded once');
});

test('named functions: each loads the real module at its first call, with its arguments and this', (t) => {
  const file = moduleFile('packLike', 'exports.pack = function (x) { return `packed ${x}`; };\nexports.extract = function () { return this; };');
  deferModule(file, ['pack', 'extract']);
  const m = require(file);
  t.is(loads.deferTestLoads?.packLike, undefined);
  t.is(m.pack('ctx'), 'packed ctx');
  const self = { extract: m.extract };
  t.is(self.extract(), self);
  t.is(loads.deferTestLoads?.packLike, 1);
});

test('a module loaded already is left as it is', (t) => {
  const file = moduleFile('loadedFirst', 'module.exports = function real() { return 1; };');
  const real = require(file);
  deferModule(file);
  t.is(require(file), real);
});
