/** The repo port of each engine: the first keeps repo.port, engines on one machine never share one. */
import test from 'ava';
import type { NamedEngine } from '../../lib/docker/engines';
import { PipelineError } from '../../lib/errors';
import { engineMachine, repoPorts } from '../../lib/packages/repoPorts';

const tcp = (host: string, port: number): NamedEngine =>
  ({ name: `tcp://${host}:${port}`, target: { address: `tcp://${host}:${port}`, tls: null, options: { host, port, protocol: 'http' } } });
const unix = (path: string): NamedEngine =>
  ({ name: `unix://${path}`, target: { address: `unix://${path}`, tls: null, options: { socketPath: path } } });

test('one engine keeps repo.port', (t) => {
  t.deepEqual(repoPorts([unix('/var/run/docker.sock')], 1567), [1567]);
});

test('engines on this machine (the socket, loopback tcp) take repo.port and the ports after it', (t) => {
  const engines = [unix('/var/run/docker.sock'), tcp('127.0.0.1', 22201), tcp('localhost', 22202), tcp('127.0.0.1', 22203)];
  t.deepEqual(repoPorts(engines, 22220), [22220, 22221, 22222, 22223]);
  t.deepEqual(engines.map(engineMachine), ['', '', '', '']);
});

test('engines on other machines keep repo.port each; only those sharing a host count up', (t) => {
  const engines = [tcp('127.0.0.1', 2375), tcp('build-a', 2375), tcp('build-b', 2375), tcp('BUILD-A', 2376), tcp('127.0.0.1', 2376)];
  t.deepEqual(repoPorts(engines, 1567), [1567, 1567, 1567, 1568, 1568]);
});

test('the first engine keeps repo.port wherever it is', (t) => {
  const ports = repoPorts([tcp('build-a', 2375), unix('/var/run/docker.sock'), tcp('build-a', 2376)], 19042);
  t.is(ports[0], 19042);
  t.deepEqual(ports, [19042, 19042, 19043]);
});

test('ports past 65535 are one input error naming the setting', (t) => {
  const e = t.throws(() => repoPorts([tcp('127.0.0.1', 1), tcp('127.0.0.1', 2)], 65535, '--repo-port'), { instanceOf: PipelineError });
  t.regex(e!.message, /^--repo-port 65535: the 2 engines need a repo port each on one machine, which runs past 65535/);
  t.is(repoPorts([tcp('127.0.0.1', 1), tcp('build-a', 2)], 65535).length, 2);
});
