/**
 * Puts a module in the require cache as a stand-in that loads the real one on its first call, for
 * packages that require at their top what most runs never call: gulp requires vinyl-fs and
 * glob-watcher (gulp.src, gulp.dest, gulp.watch, which no task of ours calls; ~2.5 MiB and much of
 * gulp's load time at every start, .gulp.cjs), dockerode its BuildKit session and ssh transport
 * (lib/docker/loadDockerode.ts).
 *
 * `names` lists the functions the module exports; without it the module exports one function.
 * Plain JavaScript: .gulp.cjs uses it before gulp, and before anything can load TypeScript.
 */
'use strict';
const Module = require('node:module');
const path = require('node:path');

/** Defers `file` (a resolved path); nothing happens when it is loaded already. */
function deferModule(file, names) {
  if (require.cache[file]) return; // loaded already: nothing to spare
  let real;
  const load = () => {
    if (real === undefined) {
      // a module of its own, not through require(): the cache holds the stand-in under this name
      const m = new Module(file, module);
      m.filename = file;
      m.paths = Module._nodeModulePaths(path.dirname(file));
      m.load(file);
      real = m.exports;
    }
    return real;
  };
  // a call, or `new` (a constructor: the object is the real one's, with its prototype)
  const callThrough = (get) => function (...args) {
    return new.target ? Reflect.construct(get(), args) : get().apply(this, args);
  };
  const stub = new Module(file, module);
  stub.filename = file;
  stub.loaded = true;
  stub.exports = names
    ? Object.fromEntries(names.map((name) => [name, callThrough(() => load()[name])]))
    : callThrough(load);
  require.cache[file] = stub;
}

module.exports = { deferModule };
