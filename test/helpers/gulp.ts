import { spawn } from 'node:child_process';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
const GULP = path.join(ROOT, 'node_modules', '.bin', 'gulp');

export interface GulpResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the real gulp CLI on this project, as a user would. */
export function runGulp(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 600_000): Promise<GulpResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(GULP, ['--cwd', ROOT, ...args], {
      cwd: ROOT,
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}
