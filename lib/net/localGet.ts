/**
 * A small GET on this machine's network (a repo container's index on loopback), with node:http:
 * the global fetch loads undici at its first call (~40 ms), which a no-op run would pay for a
 * request that takes a millisecond. No credentials and no redirects: the caller names the exact
 * URL of a server it started.
 */
import * as http from 'node:http';

export interface LocalGetOptions {
  /** no byte (nor the connection) for this long ends it */
  timeoutMs: number;
  /** a larger body is an error, not read on */
  maxBytes: number;
}

/** The body of `url` (http only), or why there is none. */
export function localGet(url: string, options: LocalGetOptions): Promise<{ body?: Buffer; error?: string }> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: options.timeoutMs, agent: false }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return resolve({ error: `HTTP ${res.statusCode} ${res.statusMessage ?? ''}`.trim() });
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxBytes) {
          req.destroy();
          return resolve({ error: `more than ${options.maxBytes} bytes` });
        }
        chunks.push(chunk);
      });
      res.on('end', () => resolve({ body: Buffer.concat(chunks) }));
      res.on('error', (e) => resolve({ error: e.message }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs / 1000} s`)));
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
  });
}
