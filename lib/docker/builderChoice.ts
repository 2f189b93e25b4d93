/**
 * Which of the engine's builders builds the images: BuildKit when the engine has it (and the
 * user did not ask for the classic one), else the classic builder. Facts come from the engine
 * (`engineBuilderFacts`); the choice is pure.
 */
import type Docker from 'dockerode';
import { inputError } from '../errors';
import type { Builder } from './build';
import { header, pingEngine } from './ping';

export type BuilderSetting = 'auto' | Builder;

export interface EngineBuilderFacts {
  /** the engine's API version, e.g. '1.41' */
  apiVersion: string;
  /** 'linux', 'windows' */
  osType: string;
  /** `/_ping`'s Builder-Version header: '2' BuildKit is the engine's default, '1' its operator chose classic, null not said */
  pingBuilderVersion: string | null;
  /** `/info`'s BuilderVersion (newer engines), null when absent */
  infoBuilderVersion: string | null;
}

/** BuildKit through the build API (`version=2` and a session) arrived with API 1.39 (Docker 18.09), on Linux. */
const BUILDKIT_API = [1, 39];

const apiAtLeast = (v: string, [major, minor]: number[]) => {
  const m = /^(\d+)\.(\d+)/.exec(v);
  return !!m && (Number(m[1]) > major || (Number(m[1]) === major && Number(m[2]) >= minor));
};

/** Whether the engine can build with BuildKit, and if not, why. Pure. */
export function buildkitOnEngine(f: EngineBuilderFacts): { ok: true } | { ok: false; why: string } {
  if (f.osType && f.osType !== 'linux') return { ok: false, why: `the engine runs ${f.osType} containers (BuildKit builds here are Linux only)` };
  if (!apiAtLeast(f.apiVersion, BUILDKIT_API)) return { ok: false, why: `the engine's API ${f.apiVersion} is older than 1.39 (Docker 18.09), the first with BuildKit` };
  return { ok: true };
}

export interface BuilderChoice {
  builder: Builder;
  /** for the console: why this builder */
  why: string;
}

/**
 * `buildkit` or `classic` are obeyed (`buildkit` on an engine without it is an error before any
 * build); `auto` takes BuildKit unless the engine lacks it or its operator made the classic
 * builder its default (`/_ping` says Builder-Version 1). Pure.
 */
export function chooseBuilder(setting: BuilderSetting, origin: string, f: EngineBuilderFacts): BuilderChoice {
  const bk = buildkitOnEngine(f);
  if (setting === 'classic') return { builder: 'classic', why: `${origin} asks for the classic builder` };
  if (setting === 'buildkit') {
    if (!bk.ok) {
      throw inputError(`${origin} asks for BuildKit, but the engine cannot build with it: ${bk.why}`,
        'set builder to auto or classic (or DOCKER_BUILDKIT=0), or use an engine of Docker 18.09 or later');
    }
    return { builder: 'buildkit', why: `${origin} asks for BuildKit` };
  }
  if (!bk.ok) return { builder: 'classic', why: bk.why };
  const declared = f.infoBuilderVersion ?? f.pingBuilderVersion;
  if (declared === '1') return { builder: 'classic', why: "the engine's configured default builder is the classic one (features.buildkit false)" };
  return { builder: 'buildkit', why: `the engine has BuildKit (API ${f.apiVersion})` };
}

/** Asks the engine: `/_ping`'s headers and `/info`. */
export async function engineBuilderFacts(docker: Docker): Promise<EngineBuilderFacts> {
  const [headers, info] = await Promise.all([pingEngine(docker), docker.info() as Promise<{ OSType?: string; BuilderVersion?: string }>]);
  return {
    apiVersion: header(headers, 'api-version') ?? (await docker.version()).ApiVersion,
    osType: info.OSType ?? header(headers, 'ostype') ?? 'linux',
    pingBuilderVersion: header(headers, 'builder-version'),
    infoBuilderVersion: info.BuilderVersion ? String(info.BuilderVersion) : null,
  };
}

/** The builder for this run's images: the engine is asked only when the setting leaves it open. */
export async function imageBuilder(docker: Docker, setting: BuilderSetting, origin: string): Promise<BuilderChoice> {
  if (setting === 'classic') return chooseBuilder(setting, origin, { apiVersion: '', osType: '', pingBuilderVersion: null, infoBuilderVersion: null });
  return chooseBuilder(setting, origin, await engineBuilderFacts(docker));
}

export const builderName = (b: Builder) => (b === 'buildkit' ? 'BuildKit' : 'the classic builder');
