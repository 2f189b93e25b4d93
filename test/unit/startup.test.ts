import test from 'ava';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, runGulp } from '../helpers/gulp';
import { tempDir } from '../helpers/temp';

const loadedBy = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
  const out = path.join(tempDir(), 'modules.txt');
  const r = await runGulp(args, { NODE_OPTIONS: `-r ${path.join(ROOT, 'test', 'fixtures', 'record-modules.js')}`, RECORD_MODULES: out, ...env });
  return { ...r, modules: fs.readFileSync(out, 'utf8').split('\n') };
};

test('a run that stops at its config loads neither dockerode nor ajv\'s compiler (the schema is compiled at install), nor gulp\'s file system half', async (t) => {
  // valid against the schema; refused by the checks after it (preflight)
  const r = await loadedBy(['all', '--config', 'examples/demo/config.json', '--packages-tar', 'lib'], { DOCKER_HOST: 'unix:///nonexistent.sock' });
  t.is(r.code, 2);
  t.regex(r.stdout + r.stderr, /packages\.tar .* is a folder, not a tarball/);
  // vinyl-fs and glob-watcher (gulp.src, dest, watch) wait for a first call (.gulp.cjs): only
  // their stand-ins are in the cache, none of the modules behind them
  for (const heavy of ['dockerode', 'docker-modem', '@grpc', 'protobufjs', 'ssh2', 'ajv/dist/compile', 'ajv/dist/core', 'vinyl-fs/lib/', 'vinyl/', 'glob-stream/', 'chokidar/']) {
    t.false(r.modules.some((m) => m.includes(`/node_modules/${heavy}`)), `${heavy} is loaded`);
  }
});

test('dockerode loads without its BuildKit session (grpc, protobuf) and ssh transport, which load when first called', async (t) => {
  const script = `
    const { loadDockerode } = require(${JSON.stringify(path.join(ROOT, 'lib', 'docker', 'loadDockerode.ts'))});
    const loaded = (m) => Object.keys(require.cache).some((f) => f.includes('/node_modules/' + m + '/'));
    const Docker = loadDockerode();
    const before = ['@grpc/grpc-js', 'protobufjs', 'ssh2'].filter(loaded);
    new Docker({ socketPath: '/nonexistent.sock' });
    const base = require('path').dirname(require.resolve('dockerode/package.json'));
    const ssh = require(require.resolve('docker-modem/lib/ssh', { paths: [base] }));
    const agent = ssh({ host: '127.0.0.1', port: 1, username: 'nobody' });
    console.log(JSON.stringify({ before, ssh2: loaded('ssh2'), agent: typeof agent.createConnection,
      session: typeof require('dockerode/lib/session'), grpc: loaded('@grpc/grpc-js') }));`;
  const out = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, ['-r', 'esbuild-register', '-e', script], { cwd: ROOT }, (e, stdout, stderr) => (e ? reject(new Error(stderr)) : resolve(stdout))));
  const r = JSON.parse(out);
  t.deepEqual(r.before, []);
  t.true(r.ssh2, 'the ssh transport loads ssh2 when called');
  t.is(r.agent, 'function');
  t.is(r.session, 'function');
  t.false(r.grpc, 'grpc waits for a BuildKit session');
});

test('gulp.src and gulp.watch still work through their stand-ins: the real modules load on the first call', async (t) => {
  const script = `
    require(${JSON.stringify(path.join(ROOT, '.gulp.cjs'))});
    const loaded = (m) => Object.keys(require.cache).some((f) => f.includes('/node_modules/' + m));
    const gulp = require('gulp');
    const before = loaded('vinyl-fs/lib/');
    const files = [];
    gulp.src(${JSON.stringify(path.join(ROOT, 'package.json'))})
      .on('data', (f) => files.push(JSON.parse(f.contents.toString()).name))
      .on('end', () => {
        const watcher = gulp.watch(${JSON.stringify(path.join(ROOT, 'package.json'))}, (done) => done());
        console.log(JSON.stringify({ before, files, watcher: typeof watcher.close, chokidar: loaded('chokidar/') }));
        return watcher.close();
      });`;
  const out = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, ['-e', script], { cwd: ROOT }, (e, stdout, stderr) => (e ? reject(new Error(stderr)) : resolve(stdout))));
  t.deepEqual(JSON.parse(out), { before: false, files: ['contrail-docker'], watcher: 'function', chokidar: true });
});

test('the image build loads protobufjs only when it decodes its first BuildKit status: a run that builds nothing never does', async (t) => {
  const script = `
    const loaded = () => Object.keys(require.cache).some((f) => f.includes('/node_modules/protobufjs/'));
    require(${JSON.stringify(path.join(ROOT, 'lib', 'docker', 'build.ts'))});
    const { decodeStatus, encodeStatus } = require(${JSON.stringify(path.join(ROOT, 'lib', 'docker', 'buildkitStatus.ts'))});
    const before = loaded();
    const status = decodeStatus(encodeStatus({ vertexes: [{ digest: 'sha256:1', name: '[1/2] RUN true' }], logs: [{ vertex: 'sha256:1', msg: 'ok' }] }));
    console.log(JSON.stringify({ before, after: loaded(), name: status.vertexes[0].name, msg: Buffer.from(status.logs[0].msg).toString() }));`;
  const out = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, ['-r', 'esbuild-register', '-e', script], { cwd: ROOT }, (e, stdout, stderr) => (e ? reject(new Error(stderr)) : resolve(stdout))));
  t.deepEqual(JSON.parse(out), { before: false, after: true, name: '[1/2] RUN true', msg: 'ok' });
});
