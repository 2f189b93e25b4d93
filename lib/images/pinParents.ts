/**
 * Parents by id. A build names its parents by tag (`FROM contrail-base-debian12:4.0`), and the
 * engine reads the tag when the build reaches that line: by then another build may have moved it,
 * and BuildKit, given a tag it does not find locally, asks a registry for it. So each build gets a
 * copy of its Dockerfile whose FROM (and COPY --from) name a tag of the build's own, made just
 * before it from the image id the content hash was computed with, and removed after it. Pure.
 */
import type { ParentRef } from './dockerfile';

/** `contrail-base-debian12:4.0` + id -> `contrail-base-debian12:pin-<12 hex>-<nonce>` */
export function pinTag(ref: string, id: string, nonce: string): string {
  const at = ref.indexOf('@');
  const bare = at === -1 ? ref : ref.slice(0, at);
  const slash = bare.lastIndexOf('/');
  const colon = bare.lastIndexOf(':');
  const repository = colon > slash ? bare.slice(0, colon) : bare;
  return `${repository}:pin-${id.replace(/^sha256:/, '').slice(0, 12)}-${nonce}`;
}

/**
 * The Dockerfile with each parent in `pins` (the reference as its line resolves it -> the tag to
 * use) written in its place, on the line the parser found it; every other byte is kept, so line
 * numbers in the engine's messages stay those of the user's file.
 */
export function pinnedDockerfile(text: string, parents: ParentRef[], pins: Record<string, string>): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  for (const p of parents) {
    const pin = pins[p.ref];
    if (!pin) continue;
    const i = p.line - 1;
    lines[i] = p.via === 'from'
      // FROM [--platform=...] <image> [AS name]
      ? lines[i].replace(/^(\s*FROM\s+(?:--\S+\s+)*)(\S+)/i, (_, head) => `${head}${pin}`)
      : lines[i].replace(/(--from=)(\S+)/, (_, head) => `${head}${pin}`);
  }
  return lines.join(eol);
}
