/**
 * The run's report and trace, from what it recorded and its family summary: one pure function,
 * so the page and the trace of any run (a failed, a blocked, a skipped image) are tested as text.
 */
import type { Summary } from '../images/summary';
import type { Span } from '../runRecord';
import { reportPage } from './page';
import { buildTimeline } from './timeline';
import { runTrace, type Trace } from './trace';

export interface ReportInput {
  /** the steps asked for, e.g. ['saveImages'] */
  tasks: string[];
  version: string;
  os: string;
  /** epoch ms */
  started: number;
  finished: number;
  exitCode: number;
  /** the error the run ended with, redacted; null when it did not fail */
  error: string | null;
  spans: Span[];
  summary: Summary | null;
  /** redacted */
  config: unknown;
  workDir: string;
  /** component -> the last lines of its log (failed images) */
  logTails: Record<string, string[]>;
}

const OUTCOMES: Record<number, string> = { 0: 'done', 1: 'failed', 2: 'bad input', 130: 'interrupted' };

export function renderReport(r: ReportInput): { html: string; trace: Trace } {
  const timeline = buildTimeline(r.spans, r.summary, r.started, r.finished);
  const title = `contrail-docker ${r.tasks.join(' ')}: ${r.version} ${r.os}`;
  const started = new Date(r.started).toISOString();
  const outcome = r.exitCode === 0 ? 'done' : `${OUTCOMES[r.exitCode] ?? 'failed'} (exit ${r.exitCode})`;
  const html = reportPage({
    title, started, outcome, ok: r.exitCode === 0, error: r.error, timeline, summary: r.summary, config: r.config,
    workDir: r.workDir, logTails: r.logTails,
  });
  return { html, trace: runTrace(timeline, { title, started, outcome }) };
}
