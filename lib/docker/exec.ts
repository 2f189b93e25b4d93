/** Runs a command in a running container (`docker exec`), its output demultiplexed to callbacks. */
import { Writable } from 'node:stream';
import type Docker from 'dockerode';

export interface ExecOptions {
  env?: string[];
  workingDir?: string;
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  signal?: AbortSignal;
}

const sink = (fn?: (chunk: Buffer) => void) =>
  new Writable({
    write(chunk: Buffer, _enc, done) {
      fn?.(chunk);
      done();
    },
  });

/** Returns the command's exit code. */
export async function execIn(container: Docker.Container, cmd: string[], options: ExecOptions = {}): Promise<number> {
  const exec = await container.exec({
    Cmd: cmd,
    AttachStdout: true,
    AttachStderr: true,
    Env: options.env,
    WorkingDir: options.workingDir,
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  const abort = () => stream.destroy(new Error('interrupted'));
  // the run's signal outlives this command: the listener goes when the command ends, so they do not pile up
  options.signal?.addEventListener('abort', abort, { once: true });
  try {
    await new Promise<void>((resolve, reject) => {
      container.modem.demuxStream(stream, sink(options.onStdout), sink(options.onStderr));
      stream.on('end', resolve);
      stream.on('close', () => (options.signal?.aborted ? reject(new Error('interrupted')) : resolve()));
      stream.on('error', reject);
      if (options.signal?.aborted) abort();
    });
  } finally {
    options.signal?.removeEventListener('abort', abort);
  }
  // the stream can end a moment before the engine records the exit code
  for (let i = 0; i < 50; i++) {
    const info = await exec.inspect();
    if (!info.Running && info.ExitCode !== null) return info.ExitCode;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`docker exec ${cmd[0]} did not report an exit code`);
}

/** Runs a command and collects its standard output (bounded), for small answers. */
export async function execCapture(container: Docker.Container, cmd: string[], maxBytes = 64 << 20): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  const out: Buffer[] = [];
  let size = 0;
  let stderr = '';
  const code = await execIn(container, cmd, {
    onStdout: (b) => {
      size += b.length;
      if (size <= maxBytes) out.push(b);
    },
    onStderr: (b) => (stderr += b.toString()),
  });
  if (size > maxBytes) throw new Error(`docker exec ${cmd[0]}: more than ${maxBytes} bytes of output`);
  return { code, stdout: Buffer.concat(out), stderr };
}

/** The last lines of a container's log (stdout and stderr). */
export async function containerLogTail(container: Docker.Container, lines = 20): Promise<string[]> {
  try {
    const raw = (await container.logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer;
    return demuxBuffer(raw).split('\n').map((l) => l.trimEnd()).filter(Boolean);
  } catch {
    return [];
  }
}

/** A non-TTY log buffer carries 8-byte frame headers; strip them. */
export function demuxBuffer(buf: Buffer): string {
  const parts: Buffer[] = [];
  let at = 0;
  while (at + 8 <= buf.length && (buf[at] === 1 || buf[at] === 2) && buf[at + 1] === 0) {
    const len = buf.readUInt32BE(at + 4);
    parts.push(buf.subarray(at + 8, at + 8 + len));
    at += 8 + len;
  }
  return at === 0 ? buf.toString() : Buffer.concat(parts).toString();
}
