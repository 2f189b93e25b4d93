/**
 * Download limits and redirects, against real local http servers: each limit ends the download
 * saying which limit it was, nothing half-written stays, and credentials never follow a redirect
 * to another host or show in a message.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { fetchArtifact } from '../../lib/ansible/artifact';
import { PipelineError } from '../../lib/errors';
import { exitCodeFor } from '../../lib/exit';
import { downloadFile, downloadLimits, fetchBytes, HttpError, redirectProblem } from '../../lib/net/http';
import { tempDir } from '../helpers/temp';

const SECRET = 'pa55-w0rd';

async function serve(handler: http.RequestListener): Promise<{ base: string; seen: string[]; close: () => void }> {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(`${req.url} ${req.headers.authorization ?? ''}`);
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { base: `http://127.0.0.1:${(server.address() as { port: number }).port}`, seen, close: () => {
    server.closeAllConnections();
    server.close();
  } };
}

const leftovers = (dir: string) => fs.readdirSync(dir);

test('size limit: a body larger than the limit, with or without Content-Length, ends the download naming the limit', async (t) => {
  const big = Buffer.alloc(3 << 20, 1);
  const srv = await serve((req, res) => {
    if (req.url === '/said') res.writeHead(200, { 'Content-Length': big.length }).end(big);
    else { res.writeHead(200); res.end(big); } // chunked: the size shows only while reading
  });
  const dir = tempDir();
  try {
    for (const p of ['/said', '/chunked']) {
      const e = await t.throwsAsync(downloadFile(`${srv.base}${p}`, path.join(dir, 'p.tgz'), downloadLimits({ maxMegabytes: 1, timeoutMinutes: 1 })), { instanceOf: HttpError });
      t.is(e!.failure, 'limit', p);
      t.regex(e!.message, /more than download\.maxMegabytes \(1 MiB\)/, p);
      t.deepEqual(leftovers(dir), [], `${p}: nothing half-written`);
    }
    await t.throwsAsync(fetchBytes(`${srv.base}/chunked`, { maxBytes: 1 << 20 }), { message: /more than the size limit/ });
  } finally {
    srv.close();
  }
});

test('time limit: a download that keeps trickling is stopped by the total limit, which it names (not "unreachable")', async (t) => {
  const srv = await serve((_req, res) => {
    res.writeHead(200);
    const drip = setInterval(() => res.write('x'), 20);
    res.on('close', () => clearInterval(drip));
  });
  const dir = tempDir();
  try {
    const e = await t.throwsAsync(downloadFile(`${srv.base}/slow`, path.join(dir, 'p.tgz'), {
      totalTimeoutMs: 400, idleTimeoutMs: 10_000, limitNames: { size: 'download.maxMegabytes', time: 'download.timeoutMinutes' },
    }), { instanceOf: HttpError });
    t.is(e!.failure, 'limit');
    t.regex(e!.message, /took longer than download\.timeoutMinutes/);
    t.deepEqual(leftovers(dir), []);
  } finally {
    srv.close();
  }
});

test('redirects: never https to http; credentials never carried to another host; same host and no credentials are fine', async (t) => {
  t.regex(redirectProblem('https://a.example/x', 'http://a.example/x', false)!, /from https to plain http/);
  t.regex(redirectProblem('https://a.example/x', 'file:///etc/passwd', false)!, /file: URL/);
  t.regex(redirectProblem('http://a.example/x', 'http://b.example/x', true)!, /another host \(b\.example\) and the URL carries credentials/);
  t.is(redirectProblem('http://a.example/x', 'http://b.example/x', false), null);
  t.is(redirectProblem('https://a.example/x', 'https://a.example/y', true), null);

  const other = await serve((_req, res) => res.writeHead(200).end('elsewhere'));
  const otherHost = other.base.replace('127.0.0.1', 'localhost'); // another host name, as far as the client can tell
  const srv = await serve((req, res) => {
    if (req.url === '/away') res.writeHead(302, { Location: `${otherHost}/file` }).end();
    else if (req.url === '/near') res.writeHead(301, { Location: '/file' }).end();
    else res.writeHead(200).end('here');
  });
  const dir = tempDir();
  const withCreds = srv.base.replace('http://', `http://me:${SECRET}@`);
  try {
    const e = await t.throwsAsync(downloadFile(`${withCreds}/away`, path.join(dir, 'a')), { instanceOf: HttpError });
    t.is(e!.failure, 'refused');
    t.false(e!.message.includes(SECRET));
    t.deepEqual(other.seen, [], 'the other host heard nothing');
    await downloadFile(`${withCreds}/near`, path.join(dir, 'b'));
    t.is(fs.readFileSync(path.join(dir, 'b'), 'utf8'), 'here');
    t.true(srv.seen.every((s) => s.endsWith(`Basic ${Buffer.from(`me:${SECRET}`).toString('base64')}`)), 'credentials sent as a header to their own host');
    await downloadFile(`${srv.base}/away`, path.join(dir, 'c'));
    t.is(fs.readFileSync(path.join(dir, 'c'), 'utf8'), 'elsewhere');
    t.false(other.seen.some((s) => s.includes('Basic')), 'no credentials to the other host');
  } finally {
    srv.close();
    other.close();
  }
});

test('ansible.artifact past a limit is an input error naming the key, without the URL\'s secrets; unreachable still falls back', async (t) => {
  const srv = await serve((req, res) => (req.url!.startsWith('/big') ? res.writeHead(200, { 'Content-Length': 5 << 20 }).end(Buffer.alloc(5 << 20)) : res.writeHead(404).end()));
  const dir = tempDir();
  try {
    const url = `${srv.base.replace('http://', `http://me:${SECRET}@`)}/big.tgz?X-Amz-Signature=${SECRET}`;
    const e = await t.throwsAsync(fetchArtifact(url, path.join(dir, 'a.tgz'), downloadLimits({ maxMegabytes: 1, timeoutMinutes: 1 })), { instanceOf: PipelineError });
    t.is(exitCodeFor(e), 2);
    t.regex(e!.message, /^ansible\.artifact http:\/\/\*\*\*@127\.0\.0\.1:\d+\/big\.tgz\?\*\*\* cannot be downloaded: it is 5 MiB, more than download\.maxMegabytes \(1 MiB\)/);
    t.false(e!.toString().includes(SECRET));
    t.deepEqual(leftovers(dir), []);
    t.deepEqual(await fetchArtifact(`${srv.base}/missing.tgz`, path.join(dir, 'b.tgz')), { reachable: false, reason: 'HTTP 404 Not Found' });
  } finally {
    srv.close();
  }
});
