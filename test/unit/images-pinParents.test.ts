import test from 'ava';
import { parseDockerfile } from '../../lib/images/dockerfile';
import { pinnedDockerfile, pinTag } from '../../lib/images/pinParents';

const ID = 'sha256:a2b81780ef026c73aa6b358ab1439dd5774d8a8a1c08b2aea2f28d7db24141e3';

test('a pin tag: the parent repository, the id, a nonce of the build', (t) => {
  t.is(pinTag('contrail-base-debian12:11.0.0-1', ID, '42-1'), 'contrail-base-debian12:pin-a2b81780ef02-42-1');
  t.is(pinTag('127.0.0.1:5000/team/debian', ID, '7-2'), '127.0.0.1:5000/team/debian:pin-a2b81780ef02-7-2');
  t.is(pinTag('debian:bookworm@sha256:' + 'b'.repeat(64), ID, '1-1'), 'debian:pin-a2b81780ef02-1-1');
});

test('the pinned Dockerfile names the pin where the parent was, after the build arguments are substituted; the rest is kept byte for byte', (t) => {
  const text = [
    '# syntax comment',
    'ARG OS',
    'ARG CONTRAIL_VERSION',
    'FROM --platform=linux/amd64 contrail-base-${OS}:${CONTRAIL_VERSION} AS base',
    'COPY --from=debian:bookworm /etc/os-release /x',
    'FROM base',
    'from  contrail-base-${OS}:${CONTRAIL_VERSION}',
    'RUN echo FROM contrail-base-debian12:11.0.0-1',
    '',
  ].join('\r\n');
  const parsed = parseDockerfile(text, { OS: 'debian12', CONTRAIL_VERSION: '11.0.0-1' });
  const out = pinnedDockerfile(text, parsed.parents, {
    'contrail-base-debian12:11.0.0-1': 'contrail-base-debian12:pin-1',
    'debian:bookworm': 'debian:pin-2',
  });
  t.is(out, [
    '# syntax comment',
    'ARG OS',
    'ARG CONTRAIL_VERSION',
    'FROM --platform=linux/amd64 contrail-base-debian12:pin-1 AS base',
    'COPY --from=debian:pin-2 /etc/os-release /x',
    'FROM base',
    'from  contrail-base-debian12:pin-1',
    'RUN echo FROM contrail-base-debian12:11.0.0-1',
    '',
  ].join('\r\n'));
  t.deepEqual(parseDockerfile(out).parents.map((p) => p.ref), ['contrail-base-debian12:pin-1', 'debian:pin-2', 'contrail-base-debian12:pin-1']);
});

test('a parent without a pin keeps its line', (t) => {
  const text = 'FROM debian:bookworm\nRUN true\n';
  t.is(pinnedDockerfile(text, parseDockerfile(text).parents, {}), text);
});
