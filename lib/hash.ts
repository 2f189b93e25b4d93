import * as crypto from 'node:crypto';
import * as fs from 'node:fs';

export const sha256 = (data: string | Buffer): string => crypto.createHash('sha256').update(data).digest('hex');

/** Up to this size a file is read whole (a stream costs more than the read): build contexts, Dockerfiles, the demo's packages. */
const READ_WHOLE_BYTES = 1 << 20;

export async function sha256File(file: string): Promise<string> {
  const stat = fs.statSync(file);
  if (stat.isFile() && stat.size <= READ_WHOLE_BYTES) return sha256(fs.readFileSync(file));
  return new Promise((resolve, reject) => {
    const h = crypto.createHash('sha256');
    fs.createReadStream(file)
      .on('error', reject)
      .on('data', (d) => h.update(d))
      .on('end', () => resolve(h.digest('hex')));
  });
}

/** A stable hash of a JSON-able value (object keys sorted). */
export function hashJson(value: unknown): string {
  return sha256(stableStringify(value));
}

export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => `${JSON.stringify(k)}:${stableStringify(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
