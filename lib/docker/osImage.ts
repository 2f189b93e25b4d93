/**
 * The OS image everything derives from: local, else pulled, else made with debootstrap and
 * `docker import`ed under its name, labelled as ours (so `clean --all` may remove it).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Docker from 'dockerode';
import type { BootstrapConfig } from '../config/types';
import { buildError, inputError } from '../errors';
import type { Logger } from '../log';
import { splitRef } from '../naming';
import { formatDuration } from '../text';
import { projectLabels } from './labels';
import { hostMirror } from './mirror';
import { followJsonStream } from './stream';
import { importStream, localImage, pullImage } from './images';

export interface BaseImageRequest {
  ref: string;
  bootstrap: BootstrapConfig | null;
  /** where debootstrap may write its root file system (removed afterwards) */
  scratchDir: string;
  network?: string;
}

export interface BaseImage {
  ref: string;
  id: string;
  how: 'local' | 'pulled' | 'bootstrapped';
}

const localId = async (docker: Docker, ref: string) => (await localImage(docker, ref))?.id;

const debootstrapPath = () =>
  ['/usr/sbin/debootstrap', '/sbin/debootstrap', '/usr/bin/debootstrap'].find((p) => fs.existsSync(p));

function runLogged(cmd: string, args: string[], logFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = fs.openSync(logFile, 'a');
    const child = spawn(cmd, args, { stdio: ['ignore', out, out] });
    child.on('error', reject);
    child.on('close', (code) => {
      fs.closeSync(out);
      if (code === 0) resolve();
      else reject(new Error(`${path.basename(cmd)} exited with ${code}`));
    });
  });
}

function tail(file: string, n = 15): string[] {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n);
  } catch {
    return [];
  }
}

export function debootstrapArgs(b: BootstrapConfig, target: string, mirror: string | undefined): string[] {
  const args = ['--variant=minbase'];
  if (b.components?.length) args.push(`--components=${b.components.join(',')}`);
  args.push(b.suite, target);
  if (mirror) args.push(mirror);
  return args;
}

async function bootstrap(docker: Docker, req: BaseImageRequest, log: Logger): Promise<string> {
  const b = req.bootstrap!;
  const debootstrap = debootstrapPath();
  if (!debootstrap) {
    throw buildError(`base image ${req.ref} is neither local nor pullable, and debootstrap is not installed`,
      'install it (apt-get install debootstrap, or bash scripts/ensure-engine.sh), or load the image with docker load');
  }
  if (process.getuid?.() !== 0) {
    throw buildError(`base image ${req.ref} must be bootstrapped, and debootstrap needs root`,
      'run the pipeline as root once to make the base image, or load it with docker load');
  }
  const mirror = b.mirror ?? hostMirror();
  fs.mkdirSync(req.scratchDir, { recursive: true });
  const rootfs = fs.mkdtempSync(path.join(req.scratchDir, 'rootfs-'));
  const logFile = path.join(req.scratchDir, `debootstrap-${b.suite}.log`);
  fs.writeFileSync(logFile, '');
  const started = Date.now();
  log.info(`base image ${req.ref}: not local and not pullable; bootstrapping ${b.suite} with debootstrap (log: ${logFile})`);
  try {
    try {
      await runLogged(debootstrap, debootstrapArgs(b, rootfs, mirror), logFile);
    } catch (e) {
      throw buildError(`debootstrap of ${b.suite} for ${req.ref} failed: ${(e as Error).message}`,
        `see ${logFile}; check bootstrap.suite and bootstrap.mirror`, { details: tail(logFile) });
    }
    const { repository, tag } = splitRef(req.ref);
    const labels = projectLabels('base-os');
    const changes = [
      `LABEL ${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(' ')}`,
      'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'CMD ["/bin/bash"]',
    ];
    // --numeric-owner keeps the ids of the root file system, not the host's names for them
    const tarProc = spawn('tar', ['--numeric-owner', '-C', rootfs, '-c', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let tarErr = '';
    tarProc.stderr.on('data', (d) => (tarErr += d));
    const stream = await importStream(docker, tarProc.stdout, repository, tag, changes);
    const outcome = await followJsonStream(stream);
    if (outcome.error) throw buildError(`docker import of ${req.ref} failed: ${outcome.error}`, tarErr.trim() || undefined);
  } finally {
    fs.rmSync(rootfs, { recursive: true, force: true });
  }
  const id = await localId(docker, req.ref);
  if (!id) throw buildError(`docker import of ${req.ref} reported success, but the image is not there`);
  log.info(`base image ${req.ref}: bootstrapped in ${formatDuration(Date.now() - started)}`);
  return id;
}

export async function ensureBaseImage(docker: Docker, req: BaseImageRequest, log: Logger): Promise<BaseImage> {
  const local = await localId(docker, req.ref);
  if (local) return { ref: req.ref, id: local, how: 'local' };
  const pullError = await pullImage(docker, req.ref);
  if (!pullError) {
    const id = await localId(docker, req.ref);
    if (id) {
      log.info(`base image ${req.ref}: pulled`);
      return { ref: req.ref, id, how: 'pulled' };
    }
  }
  if (!req.bootstrap) {
    throw inputError(`base image ${req.ref} is not local and cannot be pulled (${pullError})`,
      'load it (docker load), make the registry reachable, or add "bootstrap": {"suite": "..."} to the config so debootstrap makes it');
  }
  return { ref: req.ref, id: await bootstrap(docker, req, log), how: 'bootstrapped' };
}
