/**
 * One `POST /build`, by the classic builder or by BuildKit, its output written line by line to a
 * log file (BuildKit's status stream decoded into plain lines, the RUN output included). Errors
 * found after the build started arrive inside the HTTP 200 stream; they fail the build here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { BuildkitLog, decodeStatus, IMAGE_ID, TRACE_ID } from './buildkitStatus';
import { followJsonStream, type StreamEvent } from './stream';
import { redactText } from '../redact';

/** the engine's builders: BuildKit (API `version=2`, a session) or the classic one */
export type Builder = 'buildkit' | 'classic';

export interface BuildRequest {
  context: NodeJS.ReadableStream;
  ref: string;
  /** the Dockerfile's name inside the context */
  dockerfile: string;
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  network: string;
  noCache: boolean;
  /** default: classic */
  builder?: Builder;
  logFile: string;
  signal?: AbortSignal;
}

export interface BuildOutcome {
  /** the engine's error (or the transport's), when the build failed */
  error?: string;
  /** the image id the engine reported */
  id?: string;
}

function eventText(e: StreamEvent): string {
  if (e.error || e.errorDetail) return `ERROR: ${e.error ?? e.errorDetail?.message}\n`;
  if (e.stream !== undefined) return e.stream;
  // pull progress of a parent: the status line only, not every progress tick
  if (e.status && !e.progress) return `${e.id ? `${e.id}: ` : ''}${e.status}\n`;
  return '';
}

/** The log text of one stream event: BuildKit's status decoded, anything else as the classic builder's. */
export function buildLogText(e: StreamEvent, buildkit: BuildkitLog): string {
  if (e.id === TRACE_ID && typeof e.aux === 'string') {
    try {
      return buildkit.add(decodeStatus(e.aux));
    } catch (err) {
      return `(a BuildKit status message that could not be read: ${(err as Error).message})\n`;
    }
  }
  if (e.id === IMAGE_ID) return '';
  return eventText(e);
}

export async function buildImage(docker: Docker, req: BuildRequest): Promise<BuildOutcome> {
  fs.mkdirSync(path.dirname(req.logFile), { recursive: true });
  const fd = fs.openSync(req.logFile, 'w');
  // a build's output may echo a URL from its arguments or RUN lines: the log shows it redacted
  const write = (text: string) => {
    if (text) fs.writeSync(fd, redactText(text));
  };
  const buildkit = new BuildkitLog();
  // one controller per build, tied to the run's signal only while it lasts: the engine client adds
  // a listener per request and keeps it, which would pile up on a signal shared by every build
  const local = new AbortController();
  const onAbort = () => local.abort(req.signal?.reason);
  if (req.signal?.aborted) local.abort(req.signal.reason);
  else req.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    let stream: NodeJS.ReadableStream;
    try {
      // dockerode's options type lacks abortSignal, which it passes on to the request
      stream = await docker.buildImage(req.context, {
        t: req.ref,
        dockerfile: req.dockerfile,
        buildargs: req.buildArgs,
        labels: req.labels,
        networkmode: req.network,
        // a failed step leaves no container behind
        forcerm: true,
        rm: true,
        nocache: req.noCache,
        // BuildKit: dockerode opens the session the engine asks for; its steps run without containers
        ...(req.builder === 'buildkit' ? { version: '2' } : {}),
        abortSignal: local.signal,
      } as Docker.ImageBuildOptions);
    } catch (e) {
      // the engine refused the request (a 500 before streaming: e.g. a Dockerfile it cannot read)
      const msg = ((e as { json?: { message?: string } }).json?.message ?? (e as Error).message).trim();
      write(`ERROR: ${msg}\n`);
      return { error: msg };
    }
    let outcome;
    try {
      outcome = await followJsonStream(stream, (e) => write(buildLogText(e, buildkit)));
    } catch (e) {
      write(buildkit.flush());
      const msg = req.signal?.aborted ? 'interrupted' : (e as Error).message;
      write(`ERROR: ${msg}\n`);
      return { error: msg };
    }
    write(buildkit.flush());
    if (outcome.error) return { error: outcome.error.trim() };
    // BuildKit reports a failed step in the step's status too; a stream that ends without the
    // final error line must not pass for a success
    if (buildkit.firstError) {
      write(`ERROR: ${buildkit.firstError}\n`);
      return { error: buildkit.firstError };
    }
    const id = outcome.aux.map((a) => a.ID).find((v) => typeof v === 'string');
    return { id };
  } finally {
    req.signal?.removeEventListener('abort', onAbort);
    fs.closeSync(fd);
  }
}

/** The last `n` non-empty lines of a log. */
export function logTail(file: string, n = 12): string[] {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).slice(-n);
  } catch {
    return [];
  }
}
