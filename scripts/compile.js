/**
 * Compiles gulpfile.ts and everything of ours it imports (lib/, steps/, tasks/: found by
 * following the imports, so a new file needs no list) into one CommonJS file, dist/gulpfile.js,
 * which gulp-cli runs through ./gulpfile.js. Packages in node_modules stay outside the bundle, so
 * they load only when a step needs them, as before.
 *
 * Transpiling every module through esbuild-register at every start cost most of a no-op run's time
 * and memory; compiling once (here, at `npm ci` through the `prepare` script, and again whenever a
 * source changed) leaves a start-up that only reads one file.
 *
 * The bundle's first line records the sha256 of every source it was built from, of the very bytes
 * esbuild compiled. `isCurrent()` compares them with the files on disk: a bundle whose sources
 * changed, vanished or cannot be read is stale, and a stale bundle is never run (./gulpfile.js
 * rebuilds it first, or fails naming the compile error).
 *
 * Plain JavaScript: it must run before anything can load TypeScript.
 */
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const ENTRY = path.join(ROOT, 'gulpfile.ts');
const BUNDLE = path.join(ROOT, 'dist', 'gulpfile.js');
const HEADER = '// contrail-docker compiled from: ';

const sha256 = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex');

/** The sources recorded in the bundle's first line ({path relative to ROOT: sha256}), or null. */
function recordedSources(bundle = BUNDLE) {
  let fd;
  try {
    fd = fs.openSync(bundle, 'r');
  } catch {
    return null;
  }
  try {
    // the header is one line of JSON: read until its newline
    const chunks = [];
    const buf = Buffer.alloc(64 * 1024);
    for (let pos = 0; ; ) {
      const n = fs.readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) return null;
      const nl = buf.subarray(0, n).indexOf(10);
      chunks.push(Buffer.from(buf.subarray(0, nl < 0 ? n : nl)));
      if (nl >= 0) break;
      pos += n;
    }
    const line = Buffer.concat(chunks).toString('utf8');
    if (!line.startsWith(HEADER)) return null;
    return JSON.parse(line.slice(HEADER.length));
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

/** Whether dist/gulpfile.js was built from the sources on disk now, byte for byte. */
function isCurrent(root = ROOT) {
  const sources = recordedSources(path.join(root, 'dist', 'gulpfile.js'));
  if (!sources || Object.keys(sources).length === 0) return false;
  for (const [file, hash] of Object.entries(sources)) {
    try {
      if (sha256(fs.readFileSync(path.join(root, file))) !== hash) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * Builds dist/gulpfile.js. The sources are read by a plugin, so the hashes recorded are of what
 * was compiled even when a file changes during the build; the bundle replaces the old one by a
 * rename, so a process starting meanwhile reads the old or the new whole.
 */
async function compile(root = ROOT) {
  const esbuild = require('esbuild');
  const sources = {};
  const record = {
    name: 'record-sources',
    setup(build) {
      // config.schema.json is read at run time, not imported: recorded here, as the validator
      // made from it (schemaValidatorCode) goes with the bundle
      build.onStart(() => {
        sources['config.schema.json'] = sha256(fs.readFileSync(path.join(root, 'config.schema.json')));
      });
      build.onLoad({ filter: /\.(ts|js|json)$/ }, (args) => {
        if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        const bytes = fs.readFileSync(args.path);
        sources[path.relative(root, args.path).split(path.sep).join('/')] = sha256(bytes);
        return { contents: bytes, loader: path.extname(args.path).slice(1) };
      });
    },
  };
  // `import * as fs from 'node:fs'` compiles to a copy of the module's properties in every file
  // that imports it (esbuild's __toESM: 59 files, each copying ~100 properties of node:fs, ~10 ms
  // of every start); one namespace module per builtin makes that copy once
  const sharedBuiltins = {
    name: 'shared-builtins',
    setup(build) {
      // imports only: require('node:module') must stay the module itself (a function)
      build.onResolve({ filter: /^node:/ }, (args) =>
        (args.namespace === 'builtin' || args.kind !== 'import-statement' ? { path: args.path, external: true } : { path: args.path, namespace: 'builtin' }));
      build.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({ contents: `export * from ${JSON.stringify(args.path)};`, loader: 'js' }));
    },
  };
  const result = await esbuild.build({
    entryPoints: [path.join(root, 'gulpfile.ts')],
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    write: false,
    outfile: path.join(root, 'dist', 'gulpfile.js'),
    plugins: [record, sharedBuiltins],
    logLevel: 'silent',
  });
  const out = result.outputFiles[0];
  const sorted = Object.fromEntries(Object.entries(sources).sort(([a], [b]) => a.localeCompare(b)));
  const text = `${HEADER}${JSON.stringify(sorted)}\n${out.text}`;
  // first the schema's validator: the bundle records the schema, so it is current when the bundle is
  writeAtomic(path.join(root, 'dist', 'configSchema.js'), schemaValidatorCode(root));
  writeAtomic(out.path, text);
  return { file: out.path, sources: Object.keys(sorted) };
}

function writeAtomic(file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/**
 * config.schema.json as ajv's standalone validator code (lib/config/validate.ts loads it):
 * compiling the schema took ajv's compiler (~14 MiB, and much of a config's load time) at every
 * start. It carries the sha256 of the schema it was made from; validate.ts uses it only while
 * that matches the schema on disk, and compiles the schema itself otherwise.
 */
function schemaValidatorCode(root) {
  const Ajv = require('ajv');
  const standaloneCode = require('ajv/dist/standalone').default;
  const bytes = fs.readFileSync(path.join(root, 'config.schema.json'));
  // the options of compileSchema in lib/config/validate.ts
  const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true, code: { source: true } });
  const code = standaloneCode(ajv, ajv.compile(JSON.parse(bytes.toString('utf8'))));
  return `${code}\nmodule.exports.schemaSha256 = ${JSON.stringify(sha256(bytes))};\n`;
}

module.exports = { BUNDLE, ENTRY, compile, isCurrent, recordedSources };

// `node scripts/compile.js`: npm's prepare step, scripts/test.sh, and ./gulpfile.js when stale
if (require.main === module) {
  compile().then(
    (r) => process.stdout.write(`compiled ${r.sources.length} sources into ${path.relative(ROOT, r.file)}\n`),
    (e) => {
      // esbuild's errors name the file, line and column of each problem
      const errors = e && Array.isArray(e.errors) ? e.errors : [];
      const detail = errors.length
        ? errors.map((m) => `${m.location ? `${m.location.file}:${m.location.line}:${m.location.column}: ` : ''}${m.text}`).join('\n')
        : String(e && e.message ? e.message : e);
      process.stderr.write(`cannot compile gulpfile.ts:\n${detail}\n`);
      process.exit(1);
    });
}
