/**
 * Every request to a registry is bounded (lib/push/registryApi.ts): a registry that trickles a
 * byte now and then is given up at registryLimits.requestSeconds, named; the run's signal ends a
 * request at once; an answer past the size cap is refused, naming the limit.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { REGISTRY_LIMITS } from '../../lib/config/defaults';
import { interruptedError } from '../../lib/interrupt';
import { RegistryClient } from '../../lib/push/registryApi';
import { trickleServer } from '../helpers/trickle';

test('a registry that trickles: ended at registryLimits.requestSeconds, the message names the registry and the limit', async (t) => {
  const server = await trickleServer(300);
  t.teardown(() => server.close());
  const host = `127.0.0.1:${server.port}`;
  const client = new RegistryClient({ host, scheme: 'http', credentials: null, timeoutMs: 60_000, limits: { ...REGISTRY_LIMITS, requestSeconds: 2 } });
  const e = await t.throwsAsync(client.ping());
  t.is(e!.message, `registry ${host}: GET /v2/: no complete answer within registryLimits.requestSeconds (2 s)`);
});

test('the run\'s signal ends a stalled request at once with the interruption', async (t) => {
  const server = await trickleServer(300);
  t.teardown(() => server.close());
  const controller = new AbortController();
  const client = new RegistryClient({ host: `127.0.0.1:${server.port}`, scheme: 'http', credentials: null, signal: controller.signal });
  const pinging = client.ping();
  setTimeout(() => controller.abort(interruptedError('SIGTERM')), 200);
  const e = await t.throwsAsync(pinging);
  t.regex(e!.message, /interrupted by SIGTERM/);
  // and a request after it does not start
  await t.throwsAsync(client.manifest('x', 'latest'), { message: /interrupted by SIGTERM/ });
});

test('a manifest past registryLimits.maxManifestKilobytes is refused, said or not in Content-Length', async (t) => {
  const big = Buffer.alloc(3 * 1024, 0x20);
  for (const chunked of [false, true]) {
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json', 'Docker-Content-Digest': `sha256:${'a'.repeat(64)}`, ...(chunked ? {} : { 'Content-Length': String(big.length) }) });
      res.end(big);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = new RegistryClient({ host, scheme: 'http', credentials: null, limits: { ...REGISTRY_LIMITS, maxManifestKilobytes: 2 } });
    const e = await t.throwsAsync(client.manifest('contrail/x', 'v1'));
    t.regex(e!.message, new RegExp(`^registry ${host}: GET /v2/contrail/x/manifests/v1: the answer is (3072|more than 2048) bytes, past registryLimits\\.maxManifestKilobytes \\(2\\)`));
    const fits = new RegistryClient({ host, scheme: 'http', credentials: null, limits: { ...REGISTRY_LIMITS, maxManifestKilobytes: 4 } });
    t.is((await fits.manifest('contrail/x', 'v1'))!.body.length, big.length);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
