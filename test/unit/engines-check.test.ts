/** The start-of-run verdict over what every engine said: silent ones warned about, none answering the error. */
import test from 'ava';
import { type EngineFacts, engineFacts, engineVerdict, LOW_DISK_BYTES } from '../../lib/docker/engineCheck';
import { clientFor } from '../../lib/docker/engine';
import type { NamedEngine } from '../../lib/docker/engines';
import { PipelineError } from '../../lib/errors';
import { exitCodeFor } from '../../lib/exit';

const engine = (port: number, name = `tcp://127.0.0.1:${port}`): NamedEngine =>
  ({ name, target: { address: `tcp://127.0.0.1:${port}`, tls: null, options: { host: '127.0.0.1', port, protocol: 'http' } } });
const answers = (e: NamedEngine, more: Partial<Extract<EngineFacts, { answers: true }>> = {}): EngineFacts =>
  ({ engine: e, answers: true, version: '26.1.5', apiVersion: '1.45', buildkit: true, buildkitWhy: '', freeBytes: 50 * 1024 ** 3, ...more });

test('every engine that answers is live, in the order listed, each described', (t) => {
  const a = engine(19440);
  const b = engine(19441, 'build-b');
  const v = engineVerdict([answers(a), answers(b, { buildkit: false, buildkitWhy: "the engine's API 1.38 is older than 1.39", freeBytes: null })]);
  t.deepEqual(v.live, [a, b]);
  // where each kind of work goes: said, not implied
  t.deepEqual(v.warnings, []);
  t.is(v.info[2], '2 engines answer: the images build on all of them; prep, save and push work on the first (tcp://127.0.0.1:19440); clean covers every one');
  t.is(v.info[0], 'engine tcp://127.0.0.1:19440: Docker 26.1.5, API 1.45, BuildKit, 50.0 GiB free');
  t.regex(v.info[1], /^engine build-b \(tcp:\/\/127.0.0.1:19441\): .* no BuildKit \(the engine's API 1.38 is older than 1.39\), free disk unknown/);
});

test('a silent engine is a warning naming it; the others go on', (t) => {
  const a = engine(19440);
  const v = engineVerdict([{ engine: engine(19449), answers: false, why: 'connect ECONNREFUSED' }, answers(a)]);
  t.deepEqual(v.live, [a]);
  t.deepEqual(v.warnings, ['engine tcp://127.0.0.1:19449 does not answer, the run goes on without it: connect ECONNREFUSED']);
});

test('little free disk is a warning', (t) => {
  const v = engineVerdict([answers(engine(19440), { freeBytes: LOW_DISK_BYTES - 1 })]);
  t.is(v.live.length, 1);
  t.regex(v.warnings[0], /^engine tcp:\/\/127.0.0.1:19440 has only .* free for its images/);
});

test('none answering is one build error naming each engine', (t) => {
  const e = t.throws(() => engineVerdict([
    { engine: engine(19448), answers: false, why: 'connect ECONNREFUSED' },
    { engine: engine(19449, 'ctx'), answers: false, why: 'no answer within 5 s' },
  ]), { instanceOf: PipelineError })!;
  t.is(e.message, 'none of the 2 engines answers');
  t.deepEqual(e.details, ['tcp://127.0.0.1:19448: connect ECONNREFUSED', 'ctx: no answer within 5 s']);
  t.is(exitCodeFor(e), 1);
});

test('engineFacts: an engine where nothing listens is a fact, not a throw', async (t) => {
  const silent = engine(19449);
  const f = await engineFacts(silent, clientFor(silent.target), 2000);
  t.false(f.answers);
  t.regex((f as { why: string }).why, /no Docker engine answers at tcp:\/\/127.0.0.1:19449/);
});
