// Pins the TypeScript loader for gulpfile.ts: esbuild-register is fast and works with TypeScript 7;
// without this pin, interpret may pick another loader from node_modules that fails.
module.exports = {
  flags: {},
  preload: ['esbuild-register'],
};
