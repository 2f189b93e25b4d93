/**
 * A real registry for the push tests: Debian's docker-registry (distribution 2.x) on 127.0.0.1,
 * with a config and storage of the test's own; open, or with htpasswd (bcrypt) auth.
 * Each test file uses its own ports in 18500-18599. Docker treats 127.0.0.0/8 as insecure, so
 * plain http works without touching the engine's configuration.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { tempDir } from './temp';

export const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
];

export interface TestRegistry {
  /** host:port, as given to --registry */
  address: string;
  port: number;
  storage: string;
  user?: string;
  password?: string;
  /** every repository name in the registry */
  catalog(): Promise<string[]>;
  /** Docker-Content-Digest of `<name>:<tag>`, or null when the registry does not have it */
  manifestDigest(name: string, tag: string): Promise<string | null>;
  /** the config digest of `<name>:<tag>` (an image's id is its config digest), or null */
  configDigest(name: string, tag: string): Promise<string | null>;
  tags(name: string): Promise<string[]>;
  stop(): Promise<void>;
}

export interface RegistryOptions {
  /** with htpasswd auth for this user and password */
  auth?: { user: string; password: string };
}

const BINARY = ['/usr/bin/docker-registry', '/usr/sbin/docker-registry'].find((p) => fs.existsSync(p));

function get(port: number, p: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, method: 'GET', headers, timeout: 5000, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** Starts a registry on 127.0.0.1:port and waits until /v2/ answers. */
export async function startRegistry(port: number, options: RegistryOptions = {}): Promise<TestRegistry> {
  if (!BINARY) throw new Error('docker-registry is not installed: bash scripts/ensure-engine.sh --with-test-tools');
  const dir = tempDir('contrail-registry-');
  const storage = path.join(dir, 'storage');
  fs.mkdirSync(storage);
  const lines = [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${storage}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    `  secret: test-secret-${port}`,
  ];
  let authHeader: Record<string, string> = {};
  if (options.auth) {
    const htpasswd = spawnSync('htpasswd', ['-Bbn', options.auth.user, options.auth.password], { encoding: 'utf8' });
    if (htpasswd.status !== 0) throw new Error(`htpasswd failed: ${htpasswd.stderr}`);
    fs.writeFileSync(path.join(dir, 'htpasswd'), htpasswd.stdout);
    lines.push('auth:', '  htpasswd:', '    realm: contrail-test', `    path: ${path.join(dir, 'htpasswd')}`);
    authHeader = { Authorization: `Basic ${Buffer.from(`${options.auth.user}:${options.auth.password}`).toString('base64')}` };
  }
  fs.writeFileSync(path.join(dir, 'config.yml'), `${lines.join('\n')}\n`);
  const log = fs.openSync(path.join(dir, 'registry.log'), 'a');
  const child: ChildProcess = spawn(BINARY, ['serve', path.join(dir, 'config.yml')], { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  let exited = false;
  child.on('exit', () => (exited = true));
  const kill = () => {
    if (!exited) child.kill('SIGKILL');
  };
  process.once('exit', kill);

  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const r = await get(port, '/v2/', authHeader);
      if (r.status === 200) break;
    } catch {
      /* not up yet */
    }
    if (exited || Date.now() > deadline) {
      kill();
      throw new Error(`docker-registry on 127.0.0.1:${port} did not start:\n${fs.readFileSync(path.join(dir, 'registry.log'), 'utf8')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    address: `127.0.0.1:${port}`,
    port,
    storage,
    user: options.auth?.user,
    password: options.auth?.password,
    async catalog() {
      const r = await get(port, '/v2/_catalog?n=1000', authHeader);
      if (r.status !== 200) throw new Error(`catalog: HTTP ${r.status} ${r.body}`);
      return (JSON.parse(r.body).repositories ?? []) as string[];
    },
    async tags(name) {
      const r = await get(port, `/v2/${name}/tags/list`, authHeader);
      if (r.status === 404) return [];
      if (r.status !== 200) throw new Error(`tags of ${name}: HTTP ${r.status} ${r.body}`);
      return (JSON.parse(r.body).tags ?? []) as string[];
    },
    async manifestDigest(name, tag) {
      const r = await get(port, `/v2/${name}/manifests/${tag}`, { ...authHeader, Accept: MANIFEST_TYPES.join(', ') });
      if (r.status === 404) return null;
      if (r.status !== 200) throw new Error(`manifest ${name}:${tag}: HTTP ${r.status} ${r.body}`);
      return String(r.headers['docker-content-digest']);
    },
    async configDigest(name, tag) {
      const r = await get(port, `/v2/${name}/manifests/${tag}`, { ...authHeader, Accept: MANIFEST_TYPES.join(', ') });
      if (r.status === 404) return null;
      if (r.status !== 200) throw new Error(`manifest ${name}:${tag}: HTTP ${r.status} ${r.body}`);
      return String((JSON.parse(r.body) as { config?: { digest?: string } }).config?.digest ?? '');
    },
    async stop() {
      if (exited) return;
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([done, new Promise((r) => setTimeout(r, 5000))]);
      kill();
      process.removeListener('exit', kill);
    },
  };
}
