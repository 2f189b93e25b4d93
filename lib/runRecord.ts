/**
 * What a run did and when, as it happens: one span per step, package source and image, with the
 * job slot (lane) an image took. The step runner and buildImages record here; at the end of the
 * run lib/report/write.ts turns the spans (and the run's summary.json) into report.html and
 * trace.json. Only timestamps and names are kept: recording costs nothing a run would notice.
 */
export type SpanKind = 'step' | 'source' | 'image';

export interface Span {
  kind: SpanKind;
  name: string;
  /** epoch ms */
  start: number;
  end: number;
  /** ok, failed; for images their status (built, skipped, failed, blocked); for sources built or skipped */
  status: string;
  /** an image's job slot (0-based); absent: it never took one (blocked, not started) */
  slot?: number;
  /** the engine an image was built on, when a run has several */
  engine?: string;
  /** a step's steps it waited for (its checks and needs), by name */
  needs?: string[];
  /** image: ref, hash, why, how; source: why */
  args?: Record<string, string>;
}

export interface RunRecord {
  /** epoch ms: when the run was created */
  readonly started: number;
  readonly spans: Span[];
  add(span: Span): void;
  /** runs `fn` and records its span, ended ok or failed */
  time<T>(span: Omit<Span, 'start' | 'end' | 'status'>, fn: () => Promise<T>): Promise<T>;
}

export function createRecord(now = Date.now()): RunRecord {
  const record: RunRecord = {
    started: now,
    spans: [],
    add: (span) => void record.spans.push(span),
    async time(span, fn) {
      const start = Date.now();
      let status = 'failed';
      try {
        const value = await fn();
        status = 'ok';
        return value;
      } finally {
        record.add({ ...span, start, end: Date.now(), status });
      }
    },
  };
  return record;
}

/** Job slots: an image takes the lowest free one while it runs, so lanes show what ran side by side. */
export function jobSlots(): { take(): number; give(slot: number): void } {
  const busy = new Set<number>();
  return {
    take() {
      let slot = 0;
      while (busy.has(slot)) slot++;
      busy.add(slot);
      return slot;
    },
    give: (slot) => void busy.delete(slot),
  };
}
