/**
 * trace.json in the Chrome Trace Event format (Perfetto, chrome://tracing): one complete event
 * ("X") per step, package source and image, on the lane (tid) the timeline draws it on, with its
 * arguments; lanes are named by metadata events. Times are µs from the start of the run. Pure.
 */
import type { Timeline } from './timeline';

export interface TraceEvent {
  name: string;
  ph: 'X' | 'M';
  pid: number;
  tid: number;
  ts?: number;
  dur?: number;
  cat?: string;
  args: Record<string, string | number | boolean>;
}

export interface Trace {
  traceEvents: TraceEvent[];
  displayTimeUnit: 'ms';
  otherData: Record<string, string | number>;
}

const PID = 1;
const us = (ms: number) => Math.round(ms * 1000);

export function runTrace(t: Timeline, about: { title: string; started: string; outcome: string }): Trace {
  const meta: TraceEvent[] = [
    { name: 'process_name', ph: 'M', pid: PID, tid: 0, args: { name: about.title } },
    ...t.lanes.flatMap((l): TraceEvent[] => [
      { name: 'thread_name', ph: 'M', pid: PID, tid: l.id, args: { name: l.group === l.name ? l.name : `${l.group}: ${l.name}` } },
      { name: 'thread_sort_index', ph: 'M', pid: PID, tid: l.id, args: { sort_index: l.id } },
    ]),
  ];
  const events = t.bars.map((b): TraceEvent => ({
    name: b.name, cat: b.kind, ph: 'X', pid: PID, tid: b.lane, ts: us(b.start), dur: us(b.end - b.start),
    args: {
      ...b.args, status: b.status, critical: b.critical,
      ...(b.ready === undefined ? {} : { waitedMs: Math.max(0, b.start - b.ready), parentsMs: Math.max(0, b.ready - (b.queued ?? b.ready)) }),
    },
  }));
  return {
    traceEvents: [...meta, ...events],
    displayTimeUnit: 'ms',
    otherData: { run: about.title, started: about.started, durationMs: t.durationMs, outcome: about.outcome },
  };
}
