// gulp-cli runs ./gulpfile.js (gulpfile.ts compiled) by default and needs no TypeScript loader.
// Given `--gulpfile gulpfile.ts`, it loads the source itself: esbuild-register is pinned as that
// loader (fast, works with TypeScript 7; interpret may otherwise pick another that fails).
const argv = process.argv;
const tsGulpfile = argv.some((a, i) => /\.ts$/.test(a) && ['--gulpfile', '-f'].includes(argv[i - 1]) || /^--gulpfile=.*\.ts$/.test(a));
module.exports = {
  flags: {},
  preload: tsGulpfile ? ['esbuild-register'] : [],
};
