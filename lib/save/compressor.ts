/**
 * The gzip that save streams its archives through: pigz on every core when it is on PATH
 * (scripts/ensure-engine.sh installs it), else Node's zlib on one thread. Both write a gzip that
 * `docker load` reads; both stream (pigz reads stdin and writes stdout in blocks of 128 KiB per
 * thread, Node holds one chunk on each side of it), so memory stays flat whatever the archive size.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Duplex, type Transform } from 'node:stream';
import * as zlib from 'node:zlib';

export interface Compressor {
  /** for the console: `pigz (2 threads, level 6)`, `zlib (one thread, level 6)` */
  describe: string;
  /** a new gzip stream for one archive */
  stream(): Duplex | Transform;
}

/** The first executable `name` on PATH, or null. */
export function onPath(name: string, env: NodeJS.ProcessEnv = process.env): string | null {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return null;
}

export function zlibCompressor(level: number): Compressor {
  return { describe: `zlib (one thread, level ${level}; no pigz on PATH)`, stream: () => zlib.createGzip({ level }) };
}

export function pigzCompressor(file: string, level: number, threads: number): Compressor {
  return {
    describe: `pigz (${threads} thread${threads === 1 ? '' : 's'}, level ${level})`,
    // -c to stdout, -n no name or time in the header: the same images give the same bytes
    stream: () => new ChildStream(spawn(file, ['-c', '-n', `-${level}`, '-p', String(threads)], { stdio: ['pipe', 'pipe', 'pipe'] }), 'pigz'),
  };
}

/** pigz with every core when it is on PATH, else zlib. */
export function gzipCompressor(level: number, env: NodeJS.ProcessEnv = process.env, threads = os.availableParallelism?.() ?? os.cpus().length): Compressor {
  const pigz = onPath('pigz', env);
  return pigz ? pigzCompressor(pigz, level, Math.max(1, threads)) : zlibCompressor(level);
}

/**
 * A child process as one stream: what is written goes to its stdin, what it prints comes out.
 * Back-pressure both ways (a write completes when the pipe took it; stdout pauses while the
 * reader is full); the stream ends only when the process exited 0, and fails with its stderr
 * otherwise; destroying the stream (an interrupt, a failed write) kills the process.
 */
class ChildStream extends Duplex {
  private stderr = '';
  private exit: number | null | undefined;
  private outEnded = false;

  constructor(private readonly child: ChildProcessWithoutNullStreams, private readonly name: string) {
    super();
    child.stdout.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) child.stdout.pause();
    });
    child.stdout.on('end', () => {
      this.outEnded = true;
      this.settle();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-2000);
    });
    child.on('error', (e) => this.destroy(e));
    // a closed pipe (the process died) is reported through its exit status
    child.stdin.on('error', () => {});
    child.on('exit', (code, signal) => {
      this.exit = code ?? (signal ? -1 : 0);
      this.settle();
    });
  }

  private settle(): void {
    if (!this.outEnded || this.exit === undefined || this.destroyed) return;
    if (this.exit === 0) this.push(null);
    else this.destroy(new Error(`${this.name} failed (exit ${this.exit}): ${this.stderr.trim() || 'no message'}`));
  }

  override _read(): void {
    this.child.stdout.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (e?: Error | null) => void): void {
    if (this.exit !== undefined) return done(this.earlyExit());
    this.child.stdin.write(chunk, (e) => {
      if (!e) return done(null);
      // a broken pipe: the process ended; its exit status says why
      if (this.exit !== undefined) done(this.earlyExit());
      else this.child.once('exit', () => done(this.earlyExit()));
    });
  }

  private earlyExit(): Error {
    return new Error(`${this.name} failed (exit ${this.exit}) before its input ended: ${this.stderr.trim() || 'no message'}`);
  }

  override _final(done: (e?: Error | null) => void): void {
    this.child.stdin.end(done);
  }

  override _destroy(err: Error | null, done: (e: Error | null) => void): void {
    if (this.exit === undefined) this.child.kill('SIGKILL');
    done(err);
  }
}
