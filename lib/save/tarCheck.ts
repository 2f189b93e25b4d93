/**
 * Checks an image archive while it streams by, so a bad one is never renamed into place: the
 * engine answers `GET /images/get` with HTTP 200 before it has written anything, so a failure
 * half-way arrives as a JSON error appended to a truncated tar. We read the tar's own
 * manifest.json (which images it holds) and keep only the last bytes, to see that the tar ended
 * properly (two zero blocks) and to find an appended error. Memory stays flat.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { Parser, type ReadEntry } from 'tar';

/** The tar end-of-archive marker: two 512-byte zero blocks. */
const END_MARK = 1024;
const TAIL = 64 * 1024;
const MAX_MANIFEST = 16 * 1024 * 1024;

export interface TarFindings {
  /** the parsed manifest.json at the archive's root; null when there was none */
  manifest: unknown;
  /** why manifest.json could not be read */
  manifestError?: string;
  /** the tar's own complaints (truncated entry, bad header) */
  warnings: string[];
  /** the last bytes of the stream */
  tail: Buffer;
  bytes: number;
}

/** A pass-through stream that inspects the tar flowing through it. */
export class TarInspector extends Transform {
  private readonly parser = new Parser({ strict: false });
  /** the last chunks, together at least TAIL bytes once as many passed: references, not copies */
  private tailChunks: Buffer[] = [];
  private tailBytes = 0;
  private manifestText: Buffer[] | null = null;
  private manifest: unknown = null;
  private manifestError?: string;
  private readonly warnings: string[] = [];
  private bytes = 0;

  constructor() {
    super();
    this.parser.on('entry', (entry: ReadEntry) => {
      const name = entry.path.replace(/^\.\//, '');
      if (name === 'manifest.json' && entry.size <= MAX_MANIFEST) {
        const chunks: Buffer[] = [];
        this.manifestText = chunks;
        entry.on('data', (d: Buffer) => chunks.push(d));
        entry.on('end', () => {
          try {
            this.manifest = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch (e) {
            this.manifestError = `manifest.json is not JSON: ${(e as Error).message}`;
          }
        });
      } else {
        entry.resume();
      }
    });
    this.parser.on('warn', (code: string, message: string | Error) => {
      if (this.warnings.length < 5) this.warnings.push(`${code}: ${message instanceof Error ? message.message : message}`);
    });
    this.parser.on('error', (e: Error) => {
      if (this.warnings.length < 5) this.warnings.push(e.message);
    });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    // joined only in findings(): a copy per chunk here was twice the stream's bytes in garbage,
    // which the save's peak memory carried until the next collection
    this.tailChunks.push(chunk);
    this.tailBytes += chunk.length;
    while (this.tailBytes - this.tailChunks[0].length >= TAIL) this.tailBytes -= this.tailChunks.shift()!.length;
    // the parser copies what it keeps; a slow consumer downstream holds the pipeline back, not us
    this.parser.write(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    this.parser.end();
    done();
  }

  findings(): TarFindings {
    return {
      manifest: this.manifest,
      manifestError: this.manifestError ?? (this.manifestText && this.manifest === null ? 'manifest.json was cut off' : undefined),
      warnings: [...this.warnings],
      tail: Buffer.concat(this.tailChunks).subarray(-TAIL),
      bytes: this.bytes,
    };
  }
}

/** `docker.io/library/x:t` and `x:t` are the same name to the engine. */
export function familiarName(ref: string): string {
  return ref.replace(/^docker\.io\/library\//, '').replace(/^docker\.io\//, '');
}

/** The engine's error appended after the tar, if any. */
export function appendedError(tail: Buffer): string | undefined {
  const text = tail.toString('latin1');
  const at = text.lastIndexOf('{"errorDetail"');
  const alt = text.lastIndexOf('{"error"');
  const start = Math.max(at, alt);
  if (start === -1) return undefined;
  const json = text.slice(start).trim();
  try {
    const e = JSON.parse(json) as { error?: string; errorDetail?: { message?: string } };
    return e.errorDetail?.message ?? e.error ?? json;
  } catch {
    return json.slice(0, 300);
  }
}

/**
 * What is wrong with a saved archive, given the names asked for; an empty list when it is complete.
 * Each tar manifest entry names its image's tags in RepoTags.
 */
export function tarProblems(f: TarFindings, wanted: readonly string[]): string[] {
  const problems: string[] = [];
  const error = appendedError(f.tail);
  if (error) problems.push(`the engine reported an error in the stream: ${error}`);
  const end = f.tail.subarray(-END_MARK);
  if (f.bytes < END_MARK || end.length < END_MARK || end.some((b) => b !== 0)) {
    if (!error) problems.push('the tar stream ended without its end-of-archive marker (cut off)');
  }
  if (f.warnings.length && !error) problems.push(...f.warnings.map((w) => `tar: ${w}`));
  if (f.manifestError) {
    problems.push(f.manifestError);
    return problems;
  }
  if (!Array.isArray(f.manifest)) {
    problems.push(f.manifest === null ? 'the archive holds no manifest.json' : 'manifest.json is not a list of images');
    return problems;
  }
  const tags = new Set<string>();
  for (const entry of f.manifest as { RepoTags?: unknown }[]) {
    if (entry && Array.isArray(entry.RepoTags)) for (const t of entry.RepoTags) if (typeof t === 'string') tags.add(familiarName(t));
  }
  const missing = wanted.filter((w) => !tags.has(familiarName(w)));
  if (missing.length) problems.push(`manifest.json does not list ${missing.join(', ')}`);
  return problems;
}

/** RepoTags per entry of a tar manifest.json (for our manifest's "tags"). */
export function tarTags(manifest: unknown): string[][] {
  if (!Array.isArray(manifest)) return [];
  return manifest.map((e: { RepoTags?: unknown }) => (Array.isArray(e?.RepoTags) ? e.RepoTags.filter((t): t is string => typeof t === 'string') : []));
}
