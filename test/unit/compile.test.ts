import test from 'ava';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from '../helpers/gulp';
import { tempDir } from '../helpers/temp';

// the gulp CLI runs gulpfile.ts compiled into dist/gulpfile.js (scripts/compile.js, ./gulpfile.js)
const compileJs: {
  isCurrent(root?: string): boolean;
  recordedSources(bundle?: string): Record<string, string> | null;
} = require(path.join(ROOT, 'scripts', 'compile.js'));

/** A copy of the project's sources (node_modules linked), so a test may edit them. */
function projectCopy(): string {
  const dir = tempDir('contrail-compile-');
  for (const f of ['gulpfile.ts', 'gulpfile.js', '.gulp.cjs', 'package.json', 'config.schema.json', 'tsconfig.json']) {
    fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
  }
  for (const d of ['lib', 'steps', 'tasks', 'scripts']) fs.cpSync(path.join(ROOT, d), path.join(dir, d), { recursive: true });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

function gulpIn(dir: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(path.join(dir, 'node_modules', '.bin', 'gulp'), ['--cwd', dir, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } },
      (e, stdout, stderr) => resolve({ code: e ? Number(e.code ?? 1) : 0, stdout, stderr }));
  });
}

const descriptionOf = (stdout: string, task: string) =>
  (JSON.parse(stdout.slice(stdout.indexOf('{'))).nodes as { label: string; description: string }[]).find((n) => n.label === task)?.description;

test('a change to a source is compiled before gulp runs: the stale build never runs', async (t) => {
  const dir = projectCopy();
  const first = await gulpIn(dir, ['--tasks-json']);
  t.is(first.code, 0, first.stderr);
  t.true(compileJs.isCurrent(dir));
  const before = compileJs.recordedSources(path.join(dir, 'dist', 'gulpfile.js'))!;
  for (const f of ['gulpfile.ts', 'steps/index.ts', 'tasks/gulpTask.ts', 'lib/step.ts', 'lib/config/load.ts', 'steps/buildImages.ts']) {
    t.regex(before[f] ?? '', /^[0-9a-f]{64}$/, `${f} is recorded with its hash`);
  }

  t.is(descriptionOf(first.stdout, 'probe'), undefined);
  fs.appendFileSync(path.join(dir, 'gulpfile.ts'), "\nexport const probe = Object.assign(async () => {}, { description: 'CHANGED' });\n");
  t.false(compileJs.isCurrent(dir), 'the bundle is stale once a source changed');
  const second = await gulpIn(dir, ['--tasks-json']);
  t.is(second.code, 0, second.stderr);
  t.is(descriptionOf(second.stdout, 'probe'), 'CHANGED');
  t.true(compileJs.isCurrent(dir));
});

test('a new source file is picked up by following the imports, with no list to keep', async (t) => {
  const dir = projectCopy();
  fs.writeFileSync(path.join(dir, 'lib', 'newFile.ts'), "export const NEW_DESCRIPTION = 'from a new file';\n");
  fs.appendFileSync(path.join(dir, 'gulpfile.ts'),
    "\nimport { NEW_DESCRIPTION } from './lib/newFile';\nexport const probe = Object.assign(async () => {}, { description: NEW_DESCRIPTION });\n");
  const r = await gulpIn(dir, ['--tasks-json']);
  t.is(r.code, 0, r.stderr);
  t.is(descriptionOf(r.stdout, 'probe'), 'from a new file');
  t.truthy(compileJs.recordedSources(path.join(dir, 'dist', 'gulpfile.js'))!['lib/newFile.ts']);
});

test('a source that does not compile stops gulp with the error, and the older build does not run', async (t) => {
  const dir = projectCopy();
  t.is((await gulpIn(dir, ['--tasks-simple'])).code, 0);
  fs.appendFileSync(path.join(dir, 'lib', 'text.ts'), '\nexport const broken = ;\n');
  const r = await gulpIn(dir, ['--tasks-simple']);
  t.not(r.code, 0);
  t.regex(r.stderr, /cannot compile gulpfile\.ts:\n.*lib\/text\.ts:\d+:\d+: /);
  t.notRegex(r.stdout, /buildImages/, 'no task list from the older build');
  t.false(compileJs.isCurrent(dir));
});

test('a bundle whose recorded source is gone, or that records nothing, is not current', (t) => {
  const dir = projectCopy();
  t.false(compileJs.isCurrent(dir), 'no bundle yet');
  fs.mkdirSync(path.join(dir, 'dist'));
  fs.writeFileSync(path.join(dir, 'dist', 'gulpfile.js'), 'module.exports = {};\n');
  t.false(compileJs.isCurrent(dir), 'a bundle without the header');
  fs.writeFileSync(path.join(dir, 'dist', 'gulpfile.js'), '// contrail-docker compiled from: {"lib/gone.ts":"00"}\nmodule.exports = {};\n');
  t.false(compileJs.isCurrent(dir), 'a recorded source that is gone');
});

test('the checked-out gulpfile.js runs the compiled bundle, and gulpfile.ts still runs as a source', async (t) => {
  const r = await gulpIn(ROOT, ['--tasks-simple']);
  t.is(r.code, 0, r.stderr);
  t.true(compileJs.isCurrent(ROOT));
  const ts = await gulpIn(ROOT, ['--gulpfile', path.join(ROOT, 'gulpfile.ts'), '--tasks-simple']);
  t.is(ts.code, 0, ts.stderr);
  t.deepEqual(ts.stdout.trim().split('\n').sort(), r.stdout.trim().split('\n').sort());
});

test('the schema validator compiled at install is used only while it was made from the schema on disk, and agrees with ajv', async (t) => {
  const { precompiledValidator }: typeof import('../../lib/config/validate') = require('../../lib/config/validate');
  const { default: Ajv }: typeof import('ajv') = require('ajv');
  const dir = projectCopy();
  await (compileJs as unknown as { compile(root: string): Promise<unknown> }).compile(dir);
  const file = path.join(dir, 'dist', 'configSchema.js');
  const bytes = fs.readFileSync(path.join(dir, 'config.schema.json'));
  const pre = precompiledValidator(bytes, file);
  t.is(typeof pre, 'function');
  t.is(precompiledValidator(Buffer.concat([bytes, Buffer.from('\n')]), file), undefined, 'another schema: not used');
  t.is(precompiledValidator(bytes, path.join(dir, 'dist', 'missing.js')), undefined);

  const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true }).compile(JSON.parse(bytes.toString('utf8')));
  const demo = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', 'demo', 'config.json'), 'utf8'));
  delete demo.$schema;
  for (const data of [demo, { ...demo, jobs: 'lots' }, { ...demo, colour: 'red' }, { ...demo, repo: { port: 99999 } }, { version: 1 }]) {
    t.is(pre!(data), ajv(data), JSON.stringify(data).slice(0, 80));
    t.deepEqual(pre!.errors ?? null, ajv.errors ?? null);
  }
});
