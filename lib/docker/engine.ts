/** One Docker client for the whole run, and the check that it answers. */
import Docker from 'dockerode';
import { buildError } from '../errors';

/** From DOCKER_HOST (unix or tcp; DOCKER_TLS_VERIFY and DOCKER_CERT_PATH for TLS), else the default socket. */
export function dockerClient(): Docker {
  return new Docker();
}

export function engineAddress(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_HOST || 'unix:///var/run/docker.sock';
}

export interface EngineInfo {
  version: string;
  apiVersion: string;
}

/** Asks the engine for its version; one clear error within `timeoutMs` when nothing answers. */
export async function checkEngine(docker: Docker, timeoutMs = 5000): Promise<EngineInfo> {
  const address = engineAddress();
  let timer: NodeJS.Timeout | undefined;
  try {
    const answer = await Promise.race([
      docker.version() as Promise<{ Version: string; ApiVersion: string }>,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
      }),
    ]);
    return { version: answer.Version, apiVersion: answer.ApiVersion };
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw buildError(
      `no Docker engine answers at ${address} (${why})`,
      process.env.DOCKER_HOST
        ? 'start the engine DOCKER_HOST points at, or unset DOCKER_HOST to use the local one'
        : 'start one: bash scripts/ensure-engine.sh (as root; installs and starts dockerd), or set DOCKER_HOST',
    );
  } finally {
    clearTimeout(timer);
  }
}
