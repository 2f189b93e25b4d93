/**
 * Turns BuildKit's status stream into a readable log, as `docker build --progress=plain` prints
 * it: `#n <step>`, the step's output lines prefixed `#n`, then `#n CACHED`, `#n DONE 1.2s` or
 * `#n ERROR: ...`. The engine sends each status as a protobuf `StatusResponse`, base64 in the
 * `aux` of a `{"id":"moby.buildkit.trace"}` line of the build's JSON stream.
 */
import type * as Protobuf from 'protobufjs';

export const TRACE_ID = 'moby.buildkit.trace';
export const IMAGE_ID = 'moby.image.id';

// the part of moby.buildkit.v1.StatusResponse a log needs (field numbers from buildkit's control.proto)
const timestamp = { fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } } };
const STATUS_SCHEMA = {
  nested: {
    Timestamp: timestamp,
    Vertex: {
      fields: {
        digest: { type: 'string', id: 1 },
        name: { type: 'string', id: 3 },
        cached: { type: 'bool', id: 4 },
        started: { type: 'Timestamp', id: 5 },
        completed: { type: 'Timestamp', id: 6 },
        error: { type: 'string', id: 7 },
      },
    },
    VertexLog: {
      fields: { vertex: { type: 'string', id: 1 }, stream: { type: 'int64', id: 3 }, msg: { type: 'bytes', id: 4 } },
    },
    StatusResponse: {
      fields: {
        vertexes: { rule: 'repeated', type: 'Vertex', id: 1 },
        logs: { rule: 'repeated', type: 'VertexLog', id: 3 },
      },
    },
  },
};

let statusType: Protobuf.Type | undefined;

/**
 * StatusResponse's type, protobufjs loaded on the first status: a run that builds nothing never
 * decodes one, and protobufjs was ~6.5 MiB of a no-op run's peak memory.
 */
function statusResponseType(): Protobuf.Type {
  if (!statusType) {
    const protobuf: typeof Protobuf = require('protobufjs');
    statusType = protobuf.Root.fromJSON(STATUS_SCHEMA).lookupType('StatusResponse');
  }
  return statusType;
}

interface Time { seconds?: number | string | { toNumber(): number }; nanos?: number }
export interface VertexStatus { digest: string; name?: string; cached?: boolean; started?: Time; completed?: Time; error?: string }
export interface VertexLog { vertex: string; msg: Uint8Array }
export interface Status { vertexes: VertexStatus[]; logs: VertexLog[] }

/** One trace payload (base64 protobuf) decoded. Throws on bytes that are not a StatusResponse. */
export function decodeStatus(base64: string): Status {
  const type = statusResponseType();
  const msg = type.decode(Buffer.from(base64, 'base64'));
  const o = type.toObject(msg, { longs: Number, defaults: false }) as Partial<Status>;
  return { vertexes: o.vertexes ?? [], logs: o.logs ?? [] };
}

const seconds = (t: Time | undefined): number | null => {
  if (!t) return null;
  const s = typeof t.seconds === 'object' ? t.seconds.toNumber() : Number(t.seconds ?? 0);
  return s + (t.nanos ?? 0) / 1e9;
};

/**
 * Keeps the state a readable log needs across status messages: the step numbers, which steps
 * were announced or finished, and output lines not yet complete. `add` returns the log text the
 * message adds; `flush` the rest at the end.
 */
export class BuildkitLog {
  private readonly numbers = new Map<string, number>();
  private readonly announced = new Set<string>();
  private readonly finished = new Set<string>();
  private readonly names = new Map<string, string>();
  private readonly startedAt = new Map<string, number>();
  private readonly partial = new Map<string, string>();
  /** the first step error BuildKit reported, e.g. a RUN's exit code */
  firstError: string | undefined;

  private number(digest: string): number {
    let n = this.numbers.get(digest);
    if (n === undefined) {
      n = this.numbers.size + 1;
      this.numbers.set(digest, n);
    }
    return n;
  }

  private announce(digest: string): string {
    if (this.announced.has(digest)) return '';
    this.announced.add(digest);
    return `#${this.number(digest)} ${this.names.get(digest) ?? digest}\n`;
  }

  private lines(digest: string, text: string, final: boolean): string {
    const all = (this.partial.get(digest) ?? '') + text;
    const cut = final ? all.length : all.lastIndexOf('\n') + 1;
    this.partial.set(digest, all.slice(cut));
    const done = all.slice(0, cut).replace(/\r(?!\n)/g, '\n').split('\n');
    if (done[done.length - 1] === '') done.pop();
    const n = this.number(digest);
    return done.map((l) => `#${n} ${l}\n`).join('');
  }

  add(status: Status): string {
    let out = '';
    for (const v of status.vertexes) {
      if (v.name) this.names.set(v.digest, v.name);
      const started = seconds(v.started);
      if (started !== null) this.startedAt.set(v.digest, started);
      if (v.started || v.cached || v.error) out += this.announce(v.digest);
      if (this.finished.has(v.digest)) continue;
      if (v.error) {
        out += this.lines(v.digest, '', true);
        out += `#${this.number(v.digest)} ERROR: ${v.error}\n`;
        this.firstError ??= `${this.names.get(v.digest) ?? 'a step'}: ${v.error}`;
        this.finished.add(v.digest);
      } else if (v.cached && v.completed) {
        out += `#${this.number(v.digest)} CACHED\n`;
        this.finished.add(v.digest);
      } else if (v.completed) {
        out += this.lines(v.digest, '', true);
        const t0 = this.startedAt.get(v.digest);
        const t1 = seconds(v.completed)!;
        out += `#${this.number(v.digest)} DONE${t0 === undefined ? '' : ` ${Math.max(0, t1 - t0).toFixed(1)}s`}\n`;
        this.finished.add(v.digest);
      }
    }
    for (const l of status.logs) {
      out += this.announce(l.vertex);
      out += this.lines(l.vertex, Buffer.from(l.msg).toString('utf8'), false);
    }
    return out;
  }

  /** output lines still waiting for their newline */
  flush(): string {
    let out = '';
    for (const digest of this.partial.keys()) out += this.lines(digest, '', true);
    return out;
  }
}

/** The inverse of decodeStatus, for tests that play a status stream without an engine. */
export function encodeStatus(status: { vertexes?: object[]; logs?: { vertex: string; msg: Uint8Array | string }[] }): string {
  const logs = (status.logs ?? []).map((l) => ({ ...l, msg: typeof l.msg === 'string' ? Buffer.from(l.msg) : l.msg }));
  const type = statusResponseType();
  return Buffer.from(type.encode(type.fromObject({ vertexes: status.vertexes ?? [], logs })).finish()).toString('base64');
}
