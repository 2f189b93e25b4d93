import test from 'ava';
import { DockerfileError, isImageReference, normalizeRef, parseDockerfile, splitInstructions, substitute } from '../../lib/images/dockerfile';

const parents = (text: string, args: Record<string, string> = {}) => parseDockerfile(text, args).parents.map((p) => p.ref);

test('FROM with global ARG defaults, overridden by build arguments', (t) => {
  const text = 'ARG OS=debian12\nARG CONTRAIL_VERSION=1.0\nFROM contrail-base-${OS}:$CONTRAIL_VERSION\nRUN true\n';
  t.deepEqual(parents(text), ['contrail-base-debian12:1.0']);
  t.deepEqual(parents(text, { CONTRAIL_VERSION: '4.0.0.0-20' }), ['contrail-base-debian12:4.0.0.0-20']);
});

test('build arguments only reach FROM through ARGs declared before it', (t) => {
  t.deepEqual(parents('FROM ${BASE_IMAGE:-debian:bookworm}\nARG BASE_IMAGE\n', { BASE_IMAGE: 'ubuntu:16.04' }), ['debian:bookworm']);
  t.deepEqual(parents('ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\n', { BASE_IMAGE: 'ubuntu:16.04' }), ['ubuntu:16.04']);
});

test('declared ARGs are listed, before and after FROM, several per line', (t) => {
  const p = parseDockerfile('ARG A=1 B\nFROM debian\nARG C="x y" D=2\n');
  t.deepEqual(p.args.sort(), ['A', 'B', 'C', 'D']);
});

test('substitution forms', (t) => {
  const vars = { A: 'a', E: '' };
  t.is(substitute('$A-${A}-${B:-dflt}-${A:-x}-${A:+set}-${B:+set}-${E:-empty}', vars), 'a-a-dflt-a-set--empty');
  t.is(substitute('\\$A costs $5', vars), '$A costs $5');
  t.throws(() => substitute('${A', vars), { instanceOf: DockerfileError });
  t.throws(() => substitute('${A?x}', vars), { message: /bad substitution/ });
});

test('continuations, comments inside them, and the escape directive', (t) => {
  const ins = splitInstructions('# syntax=x\n\nRUN a \\\n# a comment\n  && b \\  \n\n  && c\nFROM x');
  t.is(ins.length, 2);
  t.is(ins[0].keyword, 'RUN');
  t.is(ins[0].line, 3);
  t.regex(ins[0].args, /^a\s+&& b\s+&& c$/);
  const bt = splitInstructions('# escape=`\nFROM x\nRUN dir c:\\ `\n  && y');
  t.is(bt[1].args, 'dir c:\\   && y');
});

test('stages and scratch are not parents; COPY --from an image is', (t) => {
  const text = [
    'FROM golang:1 AS build',
    'RUN make',
    'FROM scratch',
    'COPY --from=build /out /out',
    'COPY --from=0 /a /a',
    'COPY --from=busybox:1 /bin/sh /sh',
    'FROM --platform=linux/amd64 debian:bookworm',
  ].join('\n');
  t.deepEqual(parents(text), ['golang:1', 'busybox:1', 'debian:bookworm']);
  t.deepEqual(parseDockerfile(text).parents.map((p) => [p.line, p.via]), [[1, 'from'], [6, 'copy'], [7, 'from']]);
});

test('what the engine would reject is a DockerfileError naming the line', (t) => {
  const bad: [string, RegExp][] = [
    ['', /no instructions/],
    ['# only a comment\n', /no instructions/],
    ['RUN true\n', /line 1: RUN before the first FROM/],
    ['ARG X\n', /no FROM instruction/],
    ['FROM debian\nFORM x\n', /line 2: unknown instruction FORM/],
    ['FROM\n', /FROM names no image/],
    ['ARG BASE\nFROM $BASE\n', /line 2: FROM \$BASE resolves to an empty image name \(build argument BASE is not set\)/],
    ['FROM Debian:Bookworm\n', /not a valid image reference/],
    ['FROM a b c d\n', /expected "FROM <image> \[AS <name>\]"/],
    ['FROM --pull debian\n', /does not take the flag --pull/],
    ['ARG 1X=2\nFROM debian\n', /ARG "1X" is not a valid name/],
    ['# escape=x\nFROM debian\n', /invalid escape directive/],
    ['FROM debian\nCOPY --from= /a /b\n', /names nothing/],
  ];
  for (const [text, message] of bad) {
    const e = t.throws(() => parseDockerfile(text), { instanceOf: DockerfileError }, JSON.stringify(text));
    t.regex(e!.message, message, JSON.stringify(text));
  }
});

test('instruction keywords are case-insensitive; CRLF files parse', (t) => {
  t.deepEqual(parents('from debian:bookworm\r\nrun true\r\n'), ['debian:bookworm']);
});

test('image references', (t) => {
  for (const ok of ['debian', 'debian:bookworm', '127.0.0.1:5000/ns/img:1.0-x', 'localhost/a_b/c', `x@sha256:${'a'.repeat(64)}`, 'contrail-base-ubuntu16.04:4.0.0.0-20']) {
    t.true(isImageReference(ok), ok);
  }
  for (const bad of ['', 'UPPER', 'a:', 'a b', '-a', 'a:b:c']) t.false(isImageReference(bad), bad);
  t.is(normalizeRef('debian'), 'debian:latest');
  t.is(normalizeRef('host:5000/debian'), 'host:5000/debian:latest');
  t.is(normalizeRef('debian:12'), 'debian:12');
});

test('the dockerfiles/ of this project parse, with their parents from build arguments', async (t) => {
  const fs = await import('node:fs');
  const path = await import('node:path');
  const root = path.resolve(__dirname, '..', '..', 'dockerfiles');
  const args = { OS: 'debian12', CONTRAIL_VERSION: '4.0.0.0-20', BASE_IMAGE: 'debian:bookworm' };
  const names = ['base', 'controller', 'analytics', 'analyticsdb', 'agent', 'lb', 'kube-manager', 'mesos-manager',
    'ceph-controller', 'kubernetes-agent', 'vcenter-plugin'];
  for (const n of names) {
    const p = parseDockerfile(fs.readFileSync(path.join(root, n, 'Dockerfile'), 'utf8'), args);
    t.deepEqual(p.parents.map((x) => x.ref), [n === 'base' ? 'debian:bookworm' : 'contrail-base-debian12:4.0.0.0-20'], n);
  }
});
