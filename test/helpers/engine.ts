/**
 * A second, real Docker engine for the tests that stop an engine or run the pipeline against a
 * remote one (DOCKER_HOST=tcp://127.0.0.1:PORT). Its data lives under
 * /var/lib/contrail-docker/test-engine-PORT, so images made in one run are there for the next.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Docker from 'dockerode';
import { processAlive } from '../../lib/lock';

export interface TestEngine {
  host: string;
  docker: Docker;
  pid: number;
  root: string;
  /** kill -9 the daemon, as a crash would */
  kill(): Promise<void>;
  /** stop it cleanly */
  stop(): Promise<void>;
}

const DOCKERD = ['/usr/sbin/dockerd', '/usr/bin/dockerd'].find((p) => fs.existsSync(p)) ?? 'dockerd';

async function answers(docker: Docker): Promise<boolean> {
  try {
    await docker.ping();
    return true;
  } catch {
    return false;
  }
}


export interface TestEngineOptions {
  /**
   * --tlsverify with the certificates of this folder: ca.pem, server-cert.pem and server-key.pem
   * for the daemon, cert.pem and key.pem for the clients (the folder is a DOCKER_CERT_PATH)
   */
  tlsDir?: string;
}

export async function startTestEngine(port: number, options: TestEngineOptions = {}): Promise<TestEngine> {
  const root = `/var/lib/contrail-docker/test-engine-${port}`;
  for (const d of ['data', 'exec']) fs.mkdirSync(path.join(root, d), { recursive: true });
  const host = `tcp://127.0.0.1:${port}`;
  const tls = options.tlsDir;
  const docker = tls
    ? new Docker({ host: '127.0.0.1', port, protocol: 'https', ...(['ca', 'cert', 'key'] as const).reduce((o, k) => ({ ...o, [k]: fs.readFileSync(path.join(tls, `${k}.pem`)) }), {}) })
    : new Docker({ host: '127.0.0.1', port, protocol: 'http' });
  const tlsArgs = tls
    ? ['--tlsverify', '--tlscacert', path.join(tls, 'ca.pem'), '--tlscert', path.join(tls, 'server-cert.pem'), '--tlskey', path.join(tls, 'server-key.pem')]
    : [];
  const pidFile = path.join(root, 'dockerd.pid');
  // a daemon left by an earlier run that died
  const old = Number(fs.existsSync(pidFile) ? fs.readFileSync(pidFile, 'utf8') : NaN);
  if (Number.isInteger(old) && old > 0 && processAlive(old)) {
    process.kill(old, 'SIGKILL');
    await waitFor(() => !processAlive(old), 10_000);
  }
  fs.rmSync(pidFile, { force: true });
  const log = fs.openSync(path.join(root, 'dockerd.log'), 'a');
  const child = spawn(
    DOCKERD,
    ['--bridge=none', '--iptables=false', '--ip6tables=false', '--host', host, '--data-root', path.join(root, 'data'),
      '--exec-root', path.join(root, 'exec'), '--pidfile', pidFile, ...tlsArgs],
    { stdio: ['ignore', log, log], detached: true },
  );
  child.unref();
  fs.closeSync(log);
  const pid = child.pid!;
  await waitFor(() => answers(docker), 60_000, () => `dockerd on ${host} did not answer; see ${root}/dockerd.log`);
  const engine: TestEngine = {
    host,
    docker,
    pid,
    root,
    async kill() {
      if (processAlive(pid)) process.kill(pid, 'SIGKILL');
      await waitFor(() => !processAlive(pid), 10_000);
      // the managed containerd and shims outlive a killed dockerd; stop them too
      spawnSync('pkill', ['-9', '-f', path.join(root, 'exec')]);
      // a restart right after would find containerd's pid file and wait for a containerd that is dying
      await waitFor(() => spawnSync('pgrep', ['-f', path.join(root, 'exec')]).status === 1, 10_000);
      fs.rmSync(path.join(root, 'exec', 'containerd', 'containerd.pid'), { force: true });
    },
    async stop() {
      if (processAlive(pid)) process.kill(pid, 'SIGTERM');
      await waitFor(() => !processAlive(pid), 30_000);
    },
  };
  process.once('exit', () => {
    if (processAlive(pid)) process.kill(pid, 'SIGTERM');
  });
  return engine;
}

/** Copies an image from the main engine into another (docker save | docker load). */
export async function copyImage(from: Docker, to: Docker, ref: string): Promise<void> {
  try {
    await to.getImage(ref).inspect();
    return;
  } catch {
    /* not there yet */
  }
  const tar = await from.getImage(ref).get();
  await to.loadImage(tar);
  await to.getImage(ref).inspect();
}

export async function waitFor(cond: () => boolean | Promise<boolean>, ms: number, why = () => 'timed out'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(why());
    await new Promise((r) => setTimeout(r, 200));
  }
}
