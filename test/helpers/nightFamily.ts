/**
 * A small family for the tests of what happens to unattended runs (interrupts, concurrent runs,
 * faults): contrail-base and contrail-lb from the project's Dockerfiles, and one image, "slow",
 * whose build waits at a gate (a TCP port on 127.0.0.1 that the test opens) before it installs a
 * package from the contrail repo. The test decides when the build may go on, so nothing depends
 * on a fixed sleep, and the same config (same content hashes) serves the interrupted run and the
 * one that continues. Prep is cheap: packages from a copy of the demo's built .debs
 * (--packages-dir) and the demo's contrail-ansible artifact (--ansible-artifact).
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type Docker from 'dockerode';
import type { Summary } from '../../lib/images/summary';
import { imageRef, repoContainerName, repoImageRef } from '../../lib/naming';
import { DEMO_WORK_DIR, demoFamily } from './family';
import { tempDir, writeJson } from './temp';

export const NIGHT_OS = 'debian12';

export interface NightFamily {
  version: string;
  dir: string;
  config: string;
  workDir: string;
  repoPort: number;
  gatePort: number;
  /** printed by the slow image's gated step: finds its build container by its command */
  token: string;
  /** the image names, parents first */
  names: string[];
  ref(name: string): string;
  repoContainer: string;
  /** gulp arguments: the task (default: the whole pipeline) and this family's config and inputs */
  args(...more: string[]): string[];
  summary(): Summary;
  /** containers of `docker` whose command carries the token (the slow image's gated step) */
  gated(docker: Docker): Promise<Docker.ContainerInfo[]>;
  /** every file or folder under the work folder whose name says it is temporary or partial */
  leftovers(): string[];
}

export interface NightFamilyOptions {
  /** suffix of the version: t-night-<name> */
  name: string;
  repoPort: number;
  gatePort: number;
}

/** Makes the family's folder (config, slow Dockerfile, .debs, artifact); the demo family provides the inputs. */
export async function nightFamily(o: NightFamilyOptions): Promise<NightFamily> {
  const demo = await demoFamily();
  const version = `t-night-${o.name}`;
  const dir = tempDir(`contrail-${version}-`);
  const debs = path.join(dir, 'debs');
  fs.mkdirSync(debs);
  const built = path.join(DEMO_WORK_DIR, 'packages');
  for (const f of fs.readdirSync(built).filter((n) => n.endsWith('.deb'))) fs.copyFileSync(path.join(built, f), path.join(debs, f));
  const artifact = path.join(dir, 'contrail-ansible.tar.gz');
  fs.copyFileSync(demo.ansible.artifact, artifact);
  const token = `${version}-gate-${o.gatePort}`;
  fs.mkdirSync(path.join(dir, 'slow'));
  fs.writeFileSync(path.join(dir, 'slow', 'Dockerfile'), [
    'ARG OS',
    'ARG CONTRAIL_VERSION',
    'FROM contrail-base-${OS}:${CONTRAIL_VERSION}',
    'ARG CONTRAIL_REPO_URL',
    'ARG CONTRAIL_REPO_HOST',
    'ARG CONTRAIL_REPO_DIST',
    'ARG CONTRAIL_REPO_PRIORITY=1001',
    'ARG PACKAGES',
    // host networking: 127.0.0.1 is the test's loopback
    `RUN bash -c 'echo ${token}; until (exec 3<>/dev/tcp/127.0.0.1/${o.gatePort}) 2>/dev/null; do sleep 0.2; done' && contrail-install $PACKAGES`,
    '',
  ].join('\n'));
  const config = writeJson(path.join(dir, 'config.json'), {
    version,
    os: NIGHT_OS,
    baseImage: 'debian:bookworm',
    bootstrap: { suite: 'bookworm' },
    workDir: 'work',
    repo: { host: '127.0.0.1', port: o.repoPort, priority: 1001 },
    images: {
      base: { packages: ['contrail-lib', 'contrail-utils', 'python-contrail'] },
      lb: { packages: ['contrail-utils'] },
      slow: { dockerfile: 'slow/Dockerfile', packages: ['contrail-nodemgr'] },
    },
    jobs: 2,
    // the tests watch the gated build's container: the classic builder's (BuildKit runs steps without one)
    builder: 'classic',
  });
  const workDir = path.join(dir, 'work');
  const ref = (name: string) => imageRef(name, NIGHT_OS, version);
  return {
    version,
    dir,
    config,
    workDir,
    repoPort: o.repoPort,
    gatePort: o.gatePort,
    token,
    names: ['base', 'lb', 'slow'],
    ref,
    repoContainer: repoContainerName(NIGHT_OS, o.repoPort),
    args: (...more) => ['--config', config, '--packages-dir', debs, '--ansible-artifact', artifact, ...more],
    summary: () => JSON.parse(fs.readFileSync(path.join(workDir, 'summary.json'), 'utf8')) as Summary,
    gated: async (docker) => (await docker.listContainers({ all: true })).filter((c) => c.Command.includes(token)),
    leftovers: () => leftovers(workDir),
  };
}

/** Temporary or partial files and folders under `dir`: `.tmp-*` names, and anything in tmp/. */
export function leftovers(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      const rel = path.relative(dir, p);
      if (e.name.startsWith('.tmp-') || /\.(partial|download|part)$/.test(e.name) || (rel.startsWith(`tmp${path.sep}`) && !e.isDirectory())) out.push(rel);
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

/** Removes the family's images and repo container from an engine (also what an earlier run left). */
export async function removeNightFamily(docker: Docker, f: Pick<NightFamily, 'names' | 'ref' | 'repoContainer' | 'version'>): Promise<void> {
  try {
    await docker.getContainer(f.repoContainer).remove({ force: true });
  } catch {
    /* not there */
  }
  for (const ref of [...f.names].reverse().map(f.ref).concat(repoImageRef(NIGHT_OS, f.version))) {
    try {
      await docker.getImage(ref).remove({ force: true });
    } catch {
      /* not there */
    }
  }
}

/** The gate the slow image's build waits at: open it and the build goes on. */
export interface Gate {
  open(): Promise<void>;
  close(): Promise<void>;
}

export function gate(port: number): Gate {
  let server: net.Server | null = null;
  const sockets = new Set<net.Socket>();
  return {
    async open() {
      if (server) return;
      server = net.createServer((s) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.end();
      });
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(port, '127.0.0.1', resolve);
      });
    },
    async close() {
      if (!server) return;
      const s = server;
      server = null;
      sockets.forEach((x) => x.destroy());
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
}
