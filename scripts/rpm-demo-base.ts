/**
 * Makes the rpm demo's base OS image, contrail-demo-rpmbase:bookworm, from the deb demo's
 * debian:bookworm (bootstrapped with debootstrap when missing) and examples/rpm/base/Dockerfile:
 * Debian 12 with dnf, rpm and createrepo-c as its package tools and an rpm-family os-release.
 * Labelled with the hash of its recipe and base, reused while that matches (like the helper
 * images), and labelled base-os, so `gulp clean --all` removes it with the base OS image.
 *
 *   node -r esbuild-register scripts/rpm-demo-base.ts
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Docker from 'dockerode';
import * as tar from 'tar';
import { resolveConfig } from '../lib/config/load';
import { ensureBaseImage } from '../lib/docker/osImage';
import { dockerClient } from '../lib/docker/engine';
import { buildHelperImage, currentImageId } from '../lib/docker/helperImage';
import { treeHash } from '../lib/fs/treeHash';
import { hashJson } from '../lib/hash';
import { gulpLogger, type Logger } from '../lib/log';

const ROOT = path.resolve(__dirname, '..');
export const RPM_DEMO_BASE = 'contrail-demo-rpmbase:bookworm';
export const RPM_BASE_RECIPE = path.join(ROOT, 'examples', 'rpm', 'base');
const DEB_DEMO_CONFIG = path.join(ROOT, 'examples', 'demo', 'config.json');

export async function ensureRpmDemoBase(docker: Docker, log: Logger, scratchDir: string): Promise<string> {
  const deb = resolveConfig({ args: ['--config', DEB_DEMO_CONFIG, '--work-dir', scratchDir], env: {}, cwd: ROOT });
  const debian = await ensureBaseImage(docker, { ref: deb.baseImage, bootstrap: deb.bootstrap, scratchDir: path.join(scratchDir, 'bootstrap'), network: deb.network }, log);
  const hash = hashJson({ recipe: treeHash(RPM_BASE_RECIPE), base: debian.id });
  const current = await currentImageId(docker, RPM_DEMO_BASE, hash);
  if (current) return current;
  log.info(`rpm demo: making the base image ${RPM_DEMO_BASE} from ${debian.ref} with dnf, rpm and createrepo-c`);
  fs.mkdirSync(scratchDir, { recursive: true });
  return buildHelperImage(docker, {
    ref: RPM_DEMO_BASE, hash, role: 'base-os', os: 'rpmdemo', version: 'bookworm',
    context: tar.c({ cwd: RPM_BASE_RECIPE, portable: true }, fs.readdirSync(RPM_BASE_RECIPE)) as unknown as NodeJS.ReadableStream,
    buildArgs: { BASE_IMAGE: debian.ref },
    network: deb.network, logFile: path.join(scratchDir, 'rpm-demo-base.log'),
    what: 'the rpm demo base image', hint: 'it needs Debian\'s archive (dnf, rpm, createrepo-c)',
  });
}

if (require.main === module) {
  const scratch = path.join(ROOT, 'examples', 'rpm', '.build');
  ensureRpmDemoBase(dockerClient(), gulpLogger, scratch).then(
    (id) => console.log(`rpm demo: base image ${RPM_DEMO_BASE} (${id.slice(7, 19)})`),
    (e) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
