/**
 * An image's build context: its Dockerfile's folder plus generated files (the contrail-ansible
 * artifact for contrail-base), staged under the work folder so that what is hashed is exactly
 * what is sent, and dockerfiles/ stays free of build products.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sha256File } from '../hash';
import type { ContextFile } from './inputs';
import { folderTar } from '../docker/archive';

export interface StagedContext {
  dir: string;
  /** every file, relative with '/', sorted */
  files: ContextFile[];
}

/** Every file under `dir` (symbolic links as links), relative paths sorted. */
export async function listContext(dir: string): Promise<ContextFile[]> {
  const out: ContextFile[] = [];
  const walk = async (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${entry.name}` : entry.name;
      const abs = path.join(dir, r);
      if (entry.isDirectory()) await walk(r);
      else if (entry.isSymbolicLink()) out.push({ path: r, executable: false, sha256: `link:${fs.readlinkSync(abs)}` });
      else if (entry.isFile()) out.push({ path: r, executable: (fs.statSync(abs).mode & 0o111) !== 0, sha256: await sha256File(abs) });
    }
  };
  await walk('');
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Copies `source` to `stageDir` (replacing what was there) and links or copies each extra file
 * in under its name.
 */
export async function stageContext(source: string, stageDir: string, extra: Record<string, string> = {}): Promise<StagedContext> {
  fs.rmSync(stageDir, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(stageDir), { recursive: true });
  fs.cpSync(source, stageDir, { recursive: true, verbatimSymlinks: true });
  for (const [name, from] of Object.entries(extra)) {
    const to = path.join(stageDir, name);
    fs.rmSync(to, { force: true });
    try {
      fs.linkSync(from, to);
    } catch {
      fs.copyFileSync(from, to);
    }
  }
  return { dir: stageDir, files: await listContext(stageDir) };
}

/** The context as an uncompressed tar stream for POST /build. */
export function contextTar(context: StagedContext): NodeJS.ReadableStream {
  return folderTar(context.dir, context.files.map((f) => f.path));
}

/**
 * Removes a staged context once its build ended (or was skipped or interrupted): staging is
 * redone for every run, so nothing under the work folder's tmp/ outlives the run.
 */
export function discardContext(context: StagedContext): void {
  fs.rmSync(context.dir, { recursive: true, force: true });
  try {
    fs.rmdirSync(path.dirname(context.dir));
  } catch {
    // other images' contexts are still there
  }
}
