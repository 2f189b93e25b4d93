/**
 * The start-of-run check of every listed engine: does it answer, with which API version, can it
 * build with BuildKit, how much disk is free. Facts are gathered per engine (I/O, side by side);
 * the verdict is pure: silent engines are warnings while one answers, none answering is the error.
 */
import * as fs from 'node:fs';
import type Docker from 'dockerode';
import { buildError, describeError, PipelineError } from '../errors';
import { formatBytes } from '../text';
import { buildkitOnEngine, engineBuilderFacts } from './builderChoice';
import { checkEngine, engineIsRemote } from './engine';
import type { NamedEngine } from './engines';

/** What one engine said, or that it said nothing. */
export type EngineFacts =
  | { engine: NamedEngine; answers: true; version: string; apiVersion: string; buildkit: boolean; buildkitWhy: string; freeBytes: number | null }
  | { engine: NamedEngine; answers: false; why: string };

/** Below this, an engine is likely to run out of space for a family's layers: a warning. */
export const LOW_DISK_BYTES = 4 * 1024 ** 3;

/** Free bytes on the engine's data root: only when it is on this machine (statfs), else null. */
function freeBytes(engine: NamedEngine, dockerRoot: string | undefined): number | null {
  if (engineIsRemote(engine.target) || !dockerRoot || engine.target.address.startsWith('ssh://')) return null;
  try {
    const s = fs.statfsSync(dockerRoot);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

/** Asks one engine; never throws: a silent engine is a fact. */
export async function engineFacts(engine: NamedEngine, docker: Docker, timeoutMs = 5000): Promise<EngineFacts> {
  try {
    const v = await checkEngine(docker, engine.target, timeoutMs);
    const builder = await engineBuilderFacts(docker);
    const bk = buildkitOnEngine(builder);
    const info = (await docker.info()) as { DockerRootDir?: string };
    return {
      engine, answers: true, version: v.version, apiVersion: v.apiVersion,
      buildkit: bk.ok, buildkitWhy: bk.ok ? '' : bk.why, freeBytes: freeBytes(engine, info.DockerRootDir),
    };
  } catch (e) {
    return { engine, answers: false, why: e instanceof PipelineError ? e.message : describeError(e) };
  }
}

export interface EngineVerdict {
  /** the engines that answered, in the order listed */
  live: NamedEngine[];
  info: string[];
  warnings: string[];
}

/** What the run does with what the engines said. Pure; throws when none answers. */
export function engineVerdict(facts: EngineFacts[]): EngineVerdict {
  const verdict: EngineVerdict = { live: [], info: [], warnings: [] };
  for (const f of facts) {
    const name = f.engine.name === f.engine.target.address ? f.engine.name : `${f.engine.name} (${f.engine.target.address})`;
    if (!f.answers) {
      verdict.warnings.push(`engine ${name} does not answer, the run goes on without it: ${f.why}`);
      continue;
    }
    verdict.live.push(f.engine);
    const disk = f.freeBytes === null ? 'free disk unknown (not on this machine)' : `${formatBytes(f.freeBytes)} free`;
    verdict.info.push(`engine ${name}: Docker ${f.version}, API ${f.apiVersion}, ${f.buildkit ? 'BuildKit' : `no BuildKit (${f.buildkitWhy})`}, ${disk}`);
    if (f.freeBytes !== null && f.freeBytes < LOW_DISK_BYTES) {
      verdict.warnings.push(`engine ${name} has only ${formatBytes(f.freeBytes)} free for its images: builds there may run out of space`);
    }
  }
  // where each kind of work goes, so nobody has to guess which engine holds what
  if (verdict.live.length > 1) {
    verdict.info.push(`${verdict.live.length} engines answer: the images build on all of them; prep, save and push work on the first (${verdict.live[0].name}); clean covers every one`);
  }
  if (verdict.live.length === 0) {
    throw buildError(`none of the ${facts.length} engines answers`,
      'start them, check that this machine reaches them, or list others in engines / --engines', {
        details: facts.map((f) => `${f.engine.name}: ${f.answers ? 'answers' : f.why}`),
      });
  }
  return verdict;
}
