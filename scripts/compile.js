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
      build.onLoad({ filter: /\.(ts|js|json)$/ }, (args) => {
        if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        const bytes = fs.readFileSync(args.path);
        sources[path.relative(root, args.path).split(path.sep).join('/')] = sha256(bytes);
        return { contents: bytes, loader: path.extname(args.path).slice(1) };
      });
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
    plugins: [record],
    logLevel: 'silent',
  });
  const out = result.outputFiles[0];
  const sorted = Object.fromEntries(Object.entries(sources).sort(([a], [b]) => a.localeCompare(b)));
  const text = `${HEADER}${JSON.stringify(sorted)}\n${out.text}`;
  fs.mkdirSync(path.dirname(out.path), { recursive: true });
  const tmp = `${out.path}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, out.path);
  return { file: out.path, sources: Object.keys(sorted) };
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
