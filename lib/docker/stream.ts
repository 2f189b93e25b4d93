/**
 * Reads the engine's JSON-lines progress streams (build, pull, push, import) line by line.
 * Errors found after a request started arrive inside an HTTP 200 stream as
 * {"errorDetail":…,"error":…}; dockerode's followProgress reports success anyway and keeps every
 * event in memory, so we scan each event ourselves and keep only what callers ask for.
 */
export interface StreamEvent {
  stream?: string;
  status?: string;
  progress?: string;
  id?: string;
  error?: string;
  errorDetail?: { message?: string; code?: number };
  /** an object (image ids, push digests), or BuildKit's base64 status */
  aux?: Record<string, any> | string;
}

export interface StreamOutcome {
  /** the first error the engine reported in the stream, if any */
  error?: string;
  /** every `aux` payload (image ids, push digests) */
  aux: Record<string, any>[];
}

/** Splits a byte stream into lines and parses each as JSON; a non-JSON line becomes a `stream` event. */
export function followJsonStream(
  stream: NodeJS.ReadableStream,
  onEvent: (event: StreamEvent) => void = () => {},
): Promise<StreamOutcome> {
  return new Promise((resolve, reject) => {
    const outcome: StreamOutcome = { aux: [] };
    let pending = '';
    const handle = (line: string) => {
      if (!line.trim()) return;
      let event: StreamEvent;
      try {
        event = JSON.parse(line);
      } catch {
        event = { stream: `${line}\n` };
      }
      if (event.error || event.errorDetail) {
        outcome.error ??= event.error ?? event.errorDetail?.message ?? 'unknown engine error';
      }
      // BuildKit's status messages (base64 strings) are read by onEvent, not kept: a build sends thousands
      if (event.aux && typeof event.aux === 'object') outcome.aux.push(event.aux);
      onEvent(event);
    };
    stream.on('data', (chunk: Buffer | string) => {
      pending += chunk.toString();
      let nl: number;
      while ((nl = pending.indexOf('\n')) !== -1) {
        handle(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
      }
    });
    stream.on('end', () => {
      handle(pending);
      resolve(outcome);
    });
    stream.on('error', reject);
    stream.on('close', () => {
      // a socket closed without 'end' (engine died, request aborted)
      if (!(stream as any).readableEnded) reject(new Error('the engine closed the stream before it ended'));
    });
  });
}
