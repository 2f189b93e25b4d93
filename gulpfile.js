/**
 * What gulp-cli runs (it looks for gulpfile.js before gulpfile.ts): gulpfile.ts, compiled with
 * what it imports into dist/gulpfile.js (scripts/compile.js; `npm ci` compiles it). A compiled
 * file older than its sources is never run: it is compiled again first, and when that fails the
 * run stops with the compile errors.
 */
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const { BUNDLE, isCurrent } = require('./scripts/compile');

if (!isCurrent()) {
  try {
    // a child process: gulp-cli loads this file synchronously, and esbuild's plugins need async
    execFileSync(process.execPath, [path.join(__dirname, 'scripts', 'compile.js')], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    const err = new Error(`${String(e.stderr || e.message).trim()}\n  hint: fix the source named above; gulp runs gulpfile.ts compiled, never an older build`);
    err.stack = err.message; // the compile error is the message; where this file threw is no help
    throw err;
  }
  if (!isCurrent()) throw new Error('dist/gulpfile.js changed while it was compiled: run the command again');
}
module.exports = require(BUNDLE);
