// gulp-cli runs ./gulpfile.js (gulpfile.ts compiled) by default and needs no TypeScript loader.
// Given `--gulpfile gulpfile.ts`, it loads the source itself: esbuild-register is pinned as that
// loader (fast, works with TypeScript 7; interpret may otherwise pick another that fails).
const path = require('node:path');
const v8 = require('node:v8');
const { deferModule } = require('./scripts/deferModule');

// V8's young generation keeps the size it has when gulp-cli reads this file (a few MiB) instead of
// doubling up to 16 MiB semi-spaces under allocation: the SBOM documents grew it to the most, and
// the save's stream then left up to ~30 MiB of spent 64 KiB chunks between two of the rarer
// collections. Measured on the demo family: `gulp save` peak RSS 131-144 -> 101-108 MiB, a no-op
// run 85 -> 82 MiB, the same CPU time (5.2-5.9 s and 0.5 s). A runtime flag, as gulp-cli respawns
// node for command-line ones; V8 reads it at each growth of the young generation, and sets it
// back to 2 when a worker thread starts (lib/sandbox/manifestXml.ts starts one for large
// manifests only).
v8.setFlagsFromString('--semi-space-growth-factor=1');

// gulp requires vinyl-fs and glob-watcher at its top (gulp.src, gulp.dest, gulp.watch), which no
// task here calls: ~2.5 MiB and much of gulp's load time at every start. gulp-cli reads this file
// before it loads gulp, so both are deferred to their first call.
try {
  const gulpDir = [path.dirname(require.resolve('gulp', { paths: [__dirname] }))];
  deferModule(require.resolve('vinyl-fs', { paths: gulpDir }), ['src', 'dest', 'symlink']);
  deferModule(require.resolve('glob-watcher', { paths: gulpDir }));
} catch (e) {
  // gulp not installed (no npm ci yet): gulp-cli says so itself
  if (e.code !== 'MODULE_NOT_FOUND') throw e;
}

const argv = process.argv;
const tsGulpfile = argv.some((a, i) => /\.ts$/.test(a) && ['--gulpfile', '-f'].includes(argv[i - 1]) || /^--gulpfile=.*\.ts$/.test(a));
module.exports = {
  flags: {},
  preload: tsGulpfile ? ['esbuild-register'] : [],
};
