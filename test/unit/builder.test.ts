import test from 'ava';
import * as path from 'node:path';
import { resolveConfig } from '../../lib/config/load';
import { buildLogText } from '../../lib/docker/build';
import { chooseBuilder, type EngineBuilderFacts } from '../../lib/docker/builderChoice';
import { BuildkitLog, encodeStatus, IMAGE_ID, TRACE_ID } from '../../lib/docker/buildkitStatus';
import { PipelineError } from '../../lib/errors';
import { BUILDKIT_JOBS_PER_CPU, buildJobs } from '../../lib/images/jobs';
import { exitCodeFor } from '../../lib/exit';
import { tempDir, writeJson } from '../helpers/temp';

const engine2041: EngineBuilderFacts = { apiVersion: '1.41', osType: 'linux', pingBuilderVersion: null, infoBuilderVersion: null };

function config(data: Record<string, unknown>, args: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const dir = tempDir();
  const file = writeJson(path.join(dir, 'c.json'), { version: '11.0.0-1', ...data });
  return resolveConfig({ args: ['--config', file, ...args], env, cwd: dir });
}

function bad(t: any, f: () => unknown, pattern: RegExp) {
  const err = t.throws(f, { instanceOf: PipelineError }) as PipelineError;
  t.regex(err.toString(), pattern);
  t.is(exitCodeFor(err), 2);
}

test('builder: auto by default; config < DOCKER_BUILDKIT < --builder', (t) => {
  t.is(config({}).builder, 'auto');
  t.is(config({ builder: 'buildkit' }).builder, 'buildkit');
  t.is(config({ builder: 'buildkit' }, [], { DOCKER_BUILDKIT: '0' }).builder, 'classic');
  t.is(config({ builder: 'classic' }, [], { DOCKER_BUILDKIT: 'true' }).builder, 'buildkit');
  t.is(config({}, ['--builder', 'classic'], { DOCKER_BUILDKIT: '1' }).builder, 'classic');
  t.is(config({}, [], { DOCKER_BUILDKIT: '' }).builder, 'auto');
});

test('builder: bad values name the key, variable or flag', (t) => {
  bad(t, () => config({ builder: 'bake' }), /builder \(in .*c\.json\) must be one of auto, buildkit or classic .*; got "bake"/);
  bad(t, () => config({ builder: 2 }), /builder \(in .*c\.json\) must be a string/);
  bad(t, () => config({}, ['--builder', 'BuildKit']), /flag --builder \(builder\) must be one of auto, buildkit or classic .*; got "BuildKit"/);
  bad(t, () => config({}, [], { DOCKER_BUILDKIT: 'yes' }), /environment variable DOCKER_BUILDKIT must be 0 \(the classic builder\) or 1 \(BuildKit\), as for the docker CLI, got "yes"/);
  bad(t, () => config({}, [], { DOCKER_BUILDKIT: '2' }), /DOCKER_BUILDKIT must be 0/);
});

test('auto takes BuildKit on an engine that has it, classic where it does not or its operator chose classic', (t) => {
  t.is(chooseBuilder('auto', 'default', engine2041).builder, 'buildkit');
  t.is(chooseBuilder('auto', 'default', { ...engine2041, pingBuilderVersion: '2' }).builder, 'buildkit');
  const old = chooseBuilder('auto', 'default', { ...engine2041, apiVersion: '1.37' });
  t.is(old.builder, 'classic');
  t.regex(old.why, /API 1\.37 is older than 1\.39/);
  t.is(chooseBuilder('auto', 'default', { ...engine2041, osType: 'windows' }).builder, 'classic');
  const off = chooseBuilder('auto', 'default', { ...engine2041, pingBuilderVersion: '1' });
  t.is(off.builder, 'classic');
  t.regex(off.why, /configured default builder is the classic one/);
  t.is(chooseBuilder('auto', 'default', { ...engine2041, pingBuilderVersion: '1', infoBuilderVersion: '2' }).builder, 'buildkit');
  t.is(chooseBuilder('classic', 'DOCKER_BUILDKIT', engine2041).builder, 'classic');
});

test('builder buildkit on an engine without it: one error before any build, naming where it was asked', (t) => {
  const err = t.throws(() => chooseBuilder('buildkit', 'flag --builder', { ...engine2041, apiVersion: '1.30' }), { instanceOf: PipelineError }) as PipelineError;
  t.regex(err.message, /flag --builder asks for BuildKit, but the engine cannot build with it: the engine's API 1\.30 is older than 1\.39/);
  t.regex(err.hint ?? '', /DOCKER_BUILDKIT=0/);
});

const D = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const at = (s: number) => ({ seconds: 1700000000 + s, nanos: 0 });
const trace = (status: Parameters<typeof encodeStatus>[0]) => ({ id: TRACE_ID, aux: encodeStatus(status) });

test('BuildKit status stream: steps numbered, RUN output as lines (split across messages), DONE, CACHED, ERROR', (t) => {
  const bk = new BuildkitLog();
  const events = [
    trace({ vertexes: [{ digest: D(1), name: '[1/3] FROM contrail-base-debian12:11.0.0-1', started: at(0) }] }),
    trace({ vertexes: [{ digest: D(1), name: '[1/3] FROM contrail-base-debian12:11.0.0-1', started: at(0), completed: at(1) }] }),
    trace({ vertexes: [{ digest: D(2), name: '[2/3] COPY contrail-install /usr/local/bin/', cached: true, started: at(1), completed: at(1) }] }),
    trace({ vertexes: [{ digest: D(3), name: '[3/3] RUN contrail-install contrail-lib', started: at(1) }] }),
    trace({ logs: [{ vertex: D(3), msg: 'Setting up contrail-lib (1.0) ...\nunpa' }] }),
    trace({ logs: [{ vertex: D(3), msg: 'cking done\n' }] }),
    trace({ vertexes: [{ digest: D(3), name: '[3/3] RUN contrail-install contrail-lib', started: at(1), completed: at(3), error: 'executor failed running [/bin/sh -c contrail-install contrail-lib]: exit code: 100' }] }),
    { id: IMAGE_ID, aux: { ID: D(9) } },
    { errorDetail: { message: 'executor failed running' }, error: 'executor failed running' },
  ];
  const text = events.map((e) => buildLogText(e as any, bk)).join('') + bk.flush();
  t.is(text, [
    '#1 [1/3] FROM contrail-base-debian12:11.0.0-1',
    '#1 DONE 1.0s',
    '#2 [2/3] COPY contrail-install /usr/local/bin/',
    '#2 CACHED',
    '#3 [3/3] RUN contrail-install contrail-lib',
    '#3 Setting up contrail-lib (1.0) ...',
    '#3 unpacking done',
    '#3 ERROR: executor failed running [/bin/sh -c contrail-install contrail-lib]: exit code: 100',
    'ERROR: executor failed running',
    '',
  ].join('\n'));
  t.regex(bk.firstError ?? '', /^\[3\/3\] RUN contrail-install contrail-lib: executor failed .* exit code: 100$/);
});

test('BuildKit status stream: a step still writing when the stream ends keeps its last line; a broken message is said, not thrown', (t) => {
  const bk = new BuildkitLog();
  t.is(buildLogText(trace({ logs: [{ vertex: D(4), msg: 'no newline at the end' }] }) as any, bk), '#1 ' + D(4) + '\n');
  t.is(bk.flush(), '#1 no newline at the end\n');
  t.regex(buildLogText({ id: TRACE_ID, aux: Buffer.from([0x0a, 0xff, 0xff]).toString('base64') } as any, bk), /could not be read/);
  t.is(bk.firstError, undefined);
});

test('jobs: as set when set; when not, one per CPU with the classic builder and BUILDKIT_JOBS_PER_CPU per CPU with BuildKit', (t) => {
  t.is(buildJobs(3, false, 'buildkit', 2), 3);
  t.is(buildJobs(3, false, 'classic', 2), 3);
  t.is(buildJobs(2, true, 'classic', 2), 2);
  t.is(buildJobs(2, true, 'buildkit', 2), 2 * BUILDKIT_JOBS_PER_CPU);
  t.true(config({}).jobsFromDefault);
  t.false(config({ jobs: 2 }).jobsFromDefault);
  t.false(config({}, ['--jobs', '2']).jobsFromDefault);
});
