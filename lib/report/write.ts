/**
 * Writes <workDir>/report.html and <workDir>/trace.json at the end of a run, whatever its outcome
 * (done, failed, interrupted), and names them on the console's last lines. The only I/O of the
 * report: reading the failed images' log tails and writing the two files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeError } from '../errors';
import { EXIT } from '../exit';
import { tempNameFor } from '../fs/atomic';
import { readTextOrNull } from '../fs/read';
import { redactJson, redactText } from '../redact';
import type { Run } from '../run';
import { workPaths } from '../workDir';
import type { Summary } from '../images/summary';
import { renderReport } from './render';

const TAIL_LINES = 20;

/** Config keys whose values are never shown, whatever they hold. */
const SECRET_KEY = /password|token|secret|credential/i;

function shownConfig(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shownConfig);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) ? '***' : shownConfig(v)]));
  }
  return value;
}

/** summary.json when this run wrote it (buildImages, also when it failed or was interrupted), else null. */
function thisRunsSummary(workDir: string, started: number): Summary | null {
  try {
    const s = JSON.parse(readTextOrNull(workPaths(workDir).summary) ?? 'null') as Summary | null;
    return s && Date.parse(s.started) >= started ? s : null;
  } catch {
    return null;
  }
}

function logTail(file: string): string[] {
  const text = readTextOrNull(file) ?? '';
  return text.split('\n').filter((l) => l.trim()).slice(-TAIL_LINES).map(redactText);
}

export interface RunEnd {
  tasks: string[];
  exitCode: number;
  /** what the run failed with, when it failed */
  error: unknown;
}

/**
 * Both files' paths, or null when there is nothing to report: the run stopped before any step
 * began, or on bad input (exit 2), which leaves nothing behind but its message.
 */
export function writeRunReport(run: Run, end: RunEnd): { html: string; trace: string } | null {
  const { record, config } = run;
  if (record.spans.length === 0 || end.exitCode === EXIT.badInput) return null;
  const summary = thisRunsSummary(config.workDir, record.started);
  const logTails = Object.fromEntries((summary?.images ?? []).filter((i) => i.status === 'failed').map((i) => [i.component, logTail(i.log)]));
  const { html, trace } = renderReport({
    tasks: end.tasks, version: config.version, os: config.os, started: record.started, finished: Date.now(), exitCode: end.exitCode,
    error: end.error === undefined ? null : describeError(end.error), spans: record.spans, summary: summary ? redactJson(summary) : null,
    config: redactJson(shownConfig(config)), workDir: config.workDir, logTails,
  });
  const files = { html: path.join(config.workDir, 'report.html'), trace: path.join(config.workDir, 'trace.json') };
  fs.mkdirSync(config.workDir, { recursive: true });
  writeWhole(files.html, html);
  writeWhole(files.trace, `${JSON.stringify(redactJson(trace))}\n`);
  return files;
}

/**
 * Whole or not at all (a reader never sees half a page), but without fsync: the report is a view
 * of the run, not state a later run reads, and the end of a no-op run should not wait on the disk.
 */
function writeWhole(file: string, text: string): void {
  const temp = tempNameFor(file);
  fs.writeFileSync(temp, text);
  fs.renameSync(temp, file);
}
