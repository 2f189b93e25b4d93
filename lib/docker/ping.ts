/**
 * The engine's `/_ping` and the headers it answers with (API-Version, Server, Builder-Version,
 * OSType): the cheapest question an engine takes. `/version` makes dockerd run `runc --version`
 * and `docker-init --version` at every call, which took ~40 ms of a no-op run's start while the
 * run's git processes held the cores.
 */
import type Docker from 'dockerode';

export type PingHeaders = Record<string, string | string[] | undefined>;

export function pingEngine(docker: Docker): Promise<PingHeaders> {
  return new Promise((resolve, reject) => {
    docker.modem.dial({ path: '/_ping', method: 'GET', isStream: true, statusCodes: { 200: true } } as any, (err: unknown, res: any) => {
      if (err) return reject(err);
      res.resume();
      resolve(res.headers ?? {});
    });
  });
}

/** A header's one value, or null. */
export const header = (headers: PingHeaders, name: string): string | null => {
  const v = headers[name];
  return (Array.isArray(v) ? v[0] : v) ?? null;
};

/** The engine's version from its Server header (`Docker/20.10.24+dfsg1 (linux)`), or null. */
export const serverVersion = (headers: PingHeaders): string | null => /^Docker\/(\S+)/.exec(header(headers, 'server') ?? '')?.[1] ?? null;
