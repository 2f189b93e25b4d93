/**
 * Helpers of the package tests: the demo packages built once per machine (later runs skip by the
 * pipeline's own manifest), commands in throwaway containers, and images built from a folder.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import * as tar from 'tar';
import type { ResolvedConfig } from '../../lib/config/load';
import { buildImage, logTail } from '../../lib/docker/build';
import type { PackageBuildResult } from '../../lib/steps';
import { packageBuild } from './steps';
import { demoBaseImage, demoConfig, docker, testRun } from './docker';
import { demoSources } from './demoSources';
import { withTestLock } from './lock';

/** CONTRAIL_TEST_PACKAGES_VERSION keeps a session's demo packages apart, as for the demo family */
export const PACKAGES_VERSION = process.env.CONTRAIL_TEST_PACKAGES_VERSION || 't-repo-demo';
/** shared by the package test files: the demo sources are built once, then skipped */
export const PACKAGES_WORK_DIR = path.join(os.tmpdir(), `contrail-docker-test-t-repo-work${process.env.CONTRAIL_TEST_PACKAGES_VERSION ? `-${PACKAGES_VERSION}` : ''}`);

export async function demoPackages(): Promise<{ config: ResolvedConfig; result: PackageBuildResult; log: string }> {
  await Promise.all([demoBaseImage(), demoSources()]);
  return withTestLock('t-repo-demo-packages', async () => {
    const config = demoConfig({ version: PACKAGES_VERSION, workDir: PACKAGES_WORK_DIR });
    const run = testRun(config);
    const result = await packageBuild(run);
    return { config, result, log: run.log.text() };
  });
}

/** Runs `cmd` in a new container of `image` (host network, removed after); output is stdout+stderr. */
export async function runIn(image: string, cmd: string[]): Promise<{ code: number; output: string }> {
  const out = new PassThrough();
  let output = '';
  out.on('data', (d) => (output += d));
  const [result] = await docker.run(image, cmd, out, { Tty: true, HostConfig: { NetworkMode: 'host', AutoRemove: true } });
  return { code: result.StatusCode, output };
}

/** Builds `files` (name -> content, mode 0755 for scripts) as an image; returns the error, if any, and the log. */
export async function buildFrom(ref: string, files: Record<string, string>, buildArgs: Record<string, string> = {}): Promise<{ error?: string; log: string[] }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctx-'));
  try {
    for (const [name, content] of Object.entries(files)) {
      fs.writeFileSync(path.join(dir, name), content, { mode: content.startsWith('#!') ? 0o755 : 0o644 });
    }
    const logFile = path.join(dir, 'build.log');
    const outcome = await buildImage(docker, {
      context: tar.c({ cwd: dir, portable: true }, Object.keys(files)) as unknown as NodeJS.ReadableStream,
      ref,
      dockerfile: 'Dockerfile',
      buildArgs,
      labels: {},
      network: 'host',
      noCache: false,
      logFile,
    });
    return { error: outcome.error, log: logTail(logFile, 400) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function removeContainer(name: string): Promise<void> {
  try {
    await docker.getContainer(name).remove({ force: true });
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode !== 404) throw e;
  }
}

/** Runs `cmd` in a new container of `image` after copying `files` (absolute path -> content) into it. */
export async function runWithFiles(image: string, files: Record<string, Buffer | string>, cmd: string[]): Promise<{ code: number; output: string }> {
  const container = await docker.createContainer({ Image: image, Cmd: cmd, Tty: true, HostConfig: { NetworkMode: 'host' } });
  try {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'files-'));
    try {
      for (const [p, content] of Object.entries(files)) {
        fs.mkdirSync(path.join(dir, path.dirname(p)), { recursive: true });
        fs.writeFileSync(path.join(dir, p), content);
      }
      await container.putArchive(tar.c({ cwd: dir, portable: true }, fs.readdirSync(dir)) as unknown as NodeJS.ReadableStream, { path: '/' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    await container.start();
    const { StatusCode } = await container.wait();
    const output = ((await container.logs({ stdout: true, stderr: true })) as unknown as Buffer).toString();
    return { code: StatusCode, output };
  } finally {
    await container.remove({ force: true });
  }
}
