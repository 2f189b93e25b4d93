/**
 * The ansible-galaxy helper: its image (built from the base image, labelled with its input hash
 * and reused while unchanged) and a container of it that requirements are installed in, one at
 * a time. Files go in and out through the engine's archive API, never bind mounts: the engine
 * may be on another machine.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import { tarLibrary as tar } from '../fs/tarLibrary';
import { buildHelperImage, currentImageId } from '../docker/helperImage';
import { execIn } from '../docker/exec';
import type { Logger } from '../log';
import { formatDuration } from '../text';
import { galaxyDockerfile, galaxyInputHash } from './galaxy';
import { memoryEntries, type TarEntry, tarStream } from './tarball';
import { putTar } from '../docker/archive';
import { redactText } from '../redact';

export interface GalaxyImageRequest {
  ref: string;
  base: { ref: string; id: string };
  os: string;
  version: string;
  network: string;
  logFile: string;
  signal?: AbortSignal;
  /** the package tool the Dockerfile uses (default deb) */
  family?: 'deb' | 'rpm';
}

/** The galaxy image, built only when missing or made from something else. */
export async function ensureGalaxyImage(docker: Docker, req: GalaxyImageRequest, log: Logger): Promise<{ ref: string; built: boolean }> {
  const dockerfile = galaxyDockerfile(req.base.ref, req.family);
  const hash = galaxyInputHash(req.base.id, dockerfile);
  if (await currentImageId(docker, req.ref, hash)) return { ref: req.ref, built: false };
  log.info(`contrail-ansible: building the ansible-galaxy helper image ${req.ref} (log: ${req.logFile})`);
  const started = Date.now();
  await buildHelperImage(docker, {
    ref: req.ref, hash, role: 'galaxy', os: req.os, version: req.version,
    context: Readable.from(tarStream(memoryEntries({ Dockerfile: dockerfile }), 0)),
    network: req.network, logFile: req.logFile, signal: req.signal,
    what: 'the ansible-galaxy helper image',
    hint: `it installs ansible-core (or ansible) and git from ${req.base.ref}'s own package sources`,
  });
  log.info(`contrail-ansible: ${req.ref} built in ${formatDuration(Date.now() - started)}`);
  return { ref: req.ref, built: true };
}

export interface ExecResult {
  code: number;
  /** stdout and stderr, interleaved as they came */
  output: string;
}

/** A running galaxy container; `remove()` when done (also on interruption). */
export class GalaxyContainer {
  /** set while the container lives: removes it on an interrupt */
  private onAbort?: { signal: AbortSignal; listener: () => void };

  private constructor(
    readonly container: Docker.Container,
    private readonly logFile: string,
  ) {}

  static async start(docker: Docker, image: string, options: { network: string; labels: Record<string, string>; logFile: string; signal?: AbortSignal }): Promise<GalaxyContainer> {
    const container = await docker.createContainer({
      Image: image,
      Cmd: ['sleep', 'infinity'],
      Labels: options.labels,
      HostConfig: { NetworkMode: options.network },
    });
    const session = new GalaxyContainer(container, options.logFile);
    if (options.signal) {
      const listener = () => void session.remove().catch(() => {});
      session.onAbort = { signal: options.signal, listener };
      options.signal.addEventListener('abort', listener, { once: true });
    }
    try {
      await container.start();
    } catch (e) {
      await session.remove();
      throw e;
    }
    fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
    fs.writeFileSync(options.logFile, '');
    return session;
  }

  /** Copies entries (absolute container paths without the leading '/') in, relative to '/'. */
  async copyIn(entries: TarEntry[]): Promise<void> {
    await putTar(this.container, Readable.from(tarStream(entries, 0)), '/');
  }

  /** Runs a command; its output goes to the step's log too. (An interruption removes the container, which ends it.) */
  async exec(cmd: string[]): Promise<ExecResult> {
    let output = '';
    const collect = (b: Buffer) => void (output += b.toString());
    const code = await execIn(this.container, cmd, { env: ['HOME=/root'], onStdout: collect, onStderr: collect });
    const result = { code, output };
    // role and collection sources may be URLs with a token: the log shows them redacted
    fs.appendFileSync(this.logFile, redactText(`$ ${cmd.join(' ')}\n${result.output}${result.output.endsWith('\n') ? '' : '\n'}(exit ${result.code})\n`));
    return result;
  }

  /** Names in a folder of the container; empty when it does not exist. */
  async list(dir: string): Promise<string[]> {
    let out = '';
    const code = await execIn(this.container, ['find', dir, '-mindepth', '1', '-maxdepth', '1', '-printf', '%f\\n'], {
      onStdout: (b) => void (out += b.toString()),
    });
    return code === 0 ? out.split('\n').filter(Boolean).sort() : [];
  }

  /** Copies `dir` of the container into `hostParent` (as hostParent/<basename of dir>). */
  async copyOut(dir: string, hostParent: string): Promise<void> {
    fs.mkdirSync(hostParent, { recursive: true });
    const stream = await this.container.getArchive({ path: dir });
    await pipeline(stream, tar().x({ cwd: hostParent, strict: true }));
  }

  async remove(): Promise<void> {
    // the run's signal outlives this container; its listener goes with it
    this.onAbort?.signal.removeEventListener('abort', this.onAbort.listener);
    this.onAbort = undefined;
    try {
      await this.container.remove({ force: true });
    } catch (e) {
      const code = (e as { statusCode?: number }).statusCode;
      if (code !== 404 && code !== 409) throw e;
    }
  }
}
