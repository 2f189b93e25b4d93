/**
 * The demo's third-party site: the tarballs that the demo sandbox's third_party/packages.xml
 * names, made from examples/demo/upstream/<name>/ into examples/demo/.build/upstream/<name>.tar.gz
 * (fixed dates and owners: the same content always gives the same bytes, so packages.xml can
 * carry their sha256), and served on http://127.0.0.1:21550 as a site the pipeline does not own:
 * the sandbox's fetch step downloads from it inside the builder container (host network).
 *
 *   node -r esbuild-register scripts/demo-upstream.ts         make the tarballs; start the site in
 *                                                             the background unless it answers
 *   node -r esbuild-register scripts/demo-upstream.ts serve   serve in the foreground
 *
 * Started in the background, the site stops by itself after 30 minutes without a request.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import * as tar from 'tar';

const ROOT = path.resolve(__dirname, '..');
export const UPSTREAM_SOURCES = path.join(ROOT, 'examples', 'demo', 'upstream');
export const UPSTREAM_DIR = path.join(ROOT, 'examples', 'demo', '.build', 'upstream');
export const UPSTREAM_HOST = '127.0.0.1';
export const UPSTREAM_PORT = 21550;
const IDLE_MS = 30 * 60 * 1000;
const TARBALL_DATE = new Date('2017-06-01T00:00:00Z');

export interface Tarball {
  file: string;
  path: string;
  sha256: string;
}

const sha256Of = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Makes <dest>/<name>.tar.gz from each folder of `sources`; rewrites a file only when its bytes change. */
export function makeTarballs(sources = UPSTREAM_SOURCES, dest = UPSTREAM_DIR): Tarball[] {
  fs.mkdirSync(dest, { recursive: true });
  const out: Tarball[] = [];
  for (const name of fs.readdirSync(sources).sort()) {
    const dir = path.join(sources, name);
    if (!fs.statSync(dir).isDirectory()) continue;
    // one entry per file and folder, sorted, so the order does not depend on the file system
    const entries = [name, ...listTree(dir).map((f) => `${name}/${f}`)];
    const file = `${name}.tar.gz`;
    const target = path.join(dest, file);
    const temp = `${target}.${process.pid}.tmp`;
    tar.c({ file: temp, cwd: sources, portable: true, gzip: { level: 9 }, mtime: TARBALL_DATE, noDirRecurse: true, sync: true }, entries);
    const data = fs.readFileSync(temp);
    const old = fs.existsSync(target) ? fs.readFileSync(target) : null;
    if (!old || !old.equals(data)) fs.renameSync(temp, target);
    else fs.rmSync(temp);
    out.push({ file, path: target, sha256: sha256Of(data) });
  }
  return out;
}

function listTree(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, prefix), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    out.push(rel);
    if (e.isDirectory()) out.push(...listTree(dir, rel));
  }
  return out;
}

/** Serves the files of `dir` (by name, no folders) on host:port; with `idleMs`, closes after that long without a request. */
export function serveFolder(dir: string, port: number, host = UPSTREAM_HOST, idleMs?: number): Promise<http.Server> {
  let timer: NodeJS.Timeout | undefined;
  const idle = () => {
    if (!idleMs) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => server.close(), idleMs);
    timer.unref();
  };
  const server = http.createServer((req, res) => {
    idle();
    const name = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.slice(1));
    const file = path.join(dir, name);
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !name || name.includes('/') || name.startsWith('.') || !fs.existsSync(file)) {
      res.writeHead(404).end('not found\n');
      return;
    }
    const data = fs.readFileSync(file);
    res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': data.length });
    res.end(req.method === 'HEAD' ? undefined : data);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      idle();
      resolve(server);
    });
  });
}

function fetchBytes(url: string): Promise<Buffer | null> {
  return new Promise((resolve) => {
    // agent: false, a socket per request: Node 20 keeps sockets alive, and one the site closed while
    // idle fails the next request with ECONNRESET, which read as "another site answers"
    const req = http.get(url, { timeout: 3000, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(res.statusCode === 200 ? Buffer.concat(chunks) : null));
      res.on('error', () => resolve(null));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
  });
}

/** What the site at the demo's address serves now: 'ours' (every tarball, byte for byte), 'none' (nothing answers) or 'other'. */
async function siteState(tarballs: Tarball[]): Promise<'ours' | 'none' | 'other'> {
  let answered = false;
  for (const t of tarballs) {
    const got = await fetchBytes(`http://${UPSTREAM_HOST}:${UPSTREAM_PORT}/${t.file}`);
    if (got === null) {
      if (!answered && !(await portAnswers())) return 'none';
      return 'other';
    }
    answered = true;
    if (sha256Of(got) !== t.sha256) return 'other';
  }
  return 'ours';
}

function portAnswers(): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(`http://${UPSTREAM_HOST}:${UPSTREAM_PORT}/`, { timeout: 3000, agent: false }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/**
 * Makes the tarballs and makes sure the demo's site serves them: when nothing answers on its
 * address, starts it as a background process of its own (so it outlives this one).
 */
export async function ensureDemoUpstream(): Promise<Tarball[]> {
  const tarballs = makeTarballs();
  let state = await siteState(tarballs);
  if (state === 'none') {
    const log = fs.openSync(path.join(UPSTREAM_DIR, '..', 'upstream.log'), 'a');
    const child = spawn(process.execPath, ['-r', require.resolve('esbuild-register'), __filename, 'serve'], {
      cwd: ROOT, detached: true, stdio: ['ignore', log, log],
    });
    child.unref();
    fs.closeSync(log);
    for (let i = 0; i < 100 && state !== 'ours'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      state = await siteState(tarballs);
    }
  }
  if (state !== 'ours') {
    throw new Error(`http://${UPSTREAM_HOST}:${UPSTREAM_PORT}/ does not serve the demo's third-party tarballs (${UPSTREAM_DIR}); ` +
      `something else uses port ${UPSTREAM_PORT}, or the site did not start (see ${path.join(UPSTREAM_DIR, '..', 'upstream.log')})`);
  }
  return tarballs;
}

if (require.main === module) {
  const serve = process.argv[2] === 'serve';
  const main = serve
    ? serveFolder(UPSTREAM_DIR, UPSTREAM_PORT, UPSTREAM_HOST, IDLE_MS).then(() => console.log(`demo-upstream: serving ${UPSTREAM_DIR} on http://${UPSTREAM_HOST}:${UPSTREAM_PORT}/`))
    : ensureDemoUpstream().then((ts) => ts.forEach((t) => console.log(`demo-upstream: http://${UPSTREAM_HOST}:${UPSTREAM_PORT}/${t.file} sha256 ${t.sha256}`)));
  main.catch((e: Error) => {
    console.error(`demo-upstream: ${e.message}`);
    process.exit(1);
  });
}
