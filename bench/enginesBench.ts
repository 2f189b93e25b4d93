/**
 * Stage 9 of npm run bench (issue 19): the demo family built cold on three engines of this machine
 * (real dockerd on 127.0.0.1:22251-22253, test/helpers/engine.ts) against one of them alone. All
 * three share this machine's cores, so the ratio measures what spreading costs (the hand-off
 * through the registry on 127.0.0.1:22261, the repo containers of the other engines, the pulls of
 * parents), not a speed-up; the goal is <= 1.15. Prep (packages from the demo's work folder, the
 * demo's contrail-ansible artifact) is made before each timed build and not timed; the repo of
 * the second and third engine, made while the family builds, is. The one-engine family is then
 * pushed cold to 127.0.0.1:22260: the pull price of the simulated lines.
 */
import * as fs from 'node:fs';
import type Docker from 'dockerode';
import { resolveConfig } from '../lib/config/load';
import type { Summary } from '../lib/images/summary';
import { LABELS } from '../lib/docker/labels';
import type { Logger } from '../lib/log';
import { imageRef } from '../lib/naming';
import { createRun } from '../lib/run';
import { runStep } from '../lib/step';
import { formatDuration } from '../lib/text';
import { workPaths } from '../lib/workDir';
import * as steps from '../steps';
import { copyImage, startTestEngine, type TestEngine } from '../test/helpers/engine';
import { startRegistry } from '../test/helpers/registry';
import { tempDir } from '../test/helpers/temp';

const ENGINE_PORTS = [22251, 22252, 22253];
const HAND_OFF_REGISTRY_PORT = 22261;
const REPO_PORT = 22270;

export interface EnginesStageRequest {
  root: string;
  configFile: string;
  /** the bench's own arguments (e.g. --contrail-version, --repo-port of the demo) */
  args: string[];
  /** the demo family's version; the stage builds `<version>-engines` */
  version: string;
  /** the engine the demo was prepared on: the base OS image is copied from it */
  docker: Docker;
  baseImage: string;
  /** the demo's built packages (<workDir>/packages) and contrail-ansible artifact */
  packagesDir: string;
  artifact: string;
  log: Logger;
}

interface Measured {
  ms: number;
  summary: Summary;
}

/** Which engine built each image (summary.json's `engine`, written by the many-engine build). */
const builtOn = (s: Summary): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const i of s.images) {
    if (i.status !== 'built') continue;
    const engine = (i as { engine?: string }).engine ?? 'unknown';
    counts.set(engine, (counts.get(engine) ?? 0) + 1);
  }
  return counts;
};

export async function enginesStage(req: EnginesStageRequest): Promise<string[]> {
  const version = `${req.version}-engines`;
  const common = [
    '--config', req.configFile, ...req.args, '--contrail-version', version, '--repo-port', String(REPO_PORT),
    '--packages-dir', req.packagesDir, '--ansible-artifact', req.artifact,
  ];
  const engines: TestEngine[] = await Promise.all(ENGINE_PORTS.map((p) => startTestEngine(p)));
  const handOff = await startRegistry(HAND_OFF_REGISTRY_PORT);
  const { images, os } = resolveConfig({ args: common, env: process.env, cwd: req.root });
  const family = Object.keys(images);
  /** the family's images and this version's containers (repo containers) off `list`: a cold start */
  const wipe = async (list: TestEngine[], containers: boolean) => {
    for (const e of list) {
      if (containers) {
        for (const c of await e.docker.listContainers({ all: true, filters: { label: [`${LABELS.version}=${version}`] } })) {
          await e.docker.getContainer(c.Id).remove({ force: true });
        }
      }
      for (const c of [...family].reverse()) await e.docker.getImage(imageRef(c, os, version)).remove({ force: true }).catch(() => {});
      if (containers) await e.docker.getImage(`contrail-repo-${os}:${version}`).remove({ force: true }).catch(() => {});
    }
  };

  /** Prep (not timed), then the family cold on `list`, timed. */
  const measure = async (list: TestEngine[], more: string[]): Promise<Measured> => {
    const workDir = tempDir('contrail-bench-engines-');
    const config = resolveConfig({ args: [...common, '--work-dir', workDir, '--engines', list.map((e) => e.host).join(','), '--no-cache', ...more], env: process.env, cwd: req.root });
    const run = createRun({ config, log: req.log });
    await runStep(run, steps.contrailRepo);
    await runStep(run, steps.contrailAnsible);
    const started = Date.now();
    await runStep(run, steps.buildImages);
    const ms = Date.now() - started;
    return { ms, summary: JSON.parse(fs.readFileSync(workPaths(workDir).summary, 'utf8')) as Summary };
  };

  try {
    for (const e of engines) await copyImage(req.docker, e.docker, req.baseImage);
    await wipe(engines, true);

    // untimed warm-up: in two bench runs the first cold build on the just-started engine took 1.6
    // times as long as the next one there (the OS image's first use by BuildKit, cold page cache;
    // not broken down further), which would flatter the three engines
    await measure(engines.slice(0, 1), []);
    await wipe(engines.slice(0, 1), false);
    const one = await measure(engines.slice(0, 1), []);
    // three engines, cold: nothing of the family anywhere, and only the first holds the repo
    await wipe(engines.slice(0, 1), false);
    await wipe(engines.slice(1), true);
    const three = await measure(engines, ['--cache-registry', handOff.address]);

    const spread = builtOn(three.summary);
    const describe = (m: Measured) => [...builtOn(m.summary)].map(([e, n]) => `${n} on ${e}`).join(', ');
    return [
      `9. engines, 1:          ${formatDuration(one.ms)} (${one.summary.counts.built} built: ${describe(one)}, jobs ${one.summary.jobs})`,
      `   engines, 3:          ${formatDuration(three.ms)} (${three.summary.counts.built} built: ${describe(three)})`,
      spread.size >= 2
        ? `engines 3 / engines 1: ${(three.ms / one.ms).toFixed(2)} (goal <= 1.15; three engines sharing this machine's cores)`
        // the figure would be one engine's twice: no ratio is printed for it
        : `engines 3 / engines 1: not measured: every image of the three-engine run was built on ${[...spread.keys()].join(', ') || 'no engine'} (the many-engine build is missing)`,
    ];
  } finally {
    await wipe(engines, true).catch(() => {});
    await Promise.all(engines.map((e) => e.stop()));
    await handOff.stop();
  }
}
