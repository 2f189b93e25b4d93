/**
 * The engine adapter for containers: inspection with the engine's 404 read as absence, and our
 * labels read in one way.
 */
import type Docker from 'dockerode';
import { LABELS } from './labels';
import { inspectOrNull } from './notFound';

export interface LocalContainer {
  id: string;
  /** the id of its image */
  image: string;
  labels: Record<string, string>;
  inputHash: string | undefined;
  running: boolean;
  /** its main process as the engine's machine numbers it (0 when it does not run) */
  pid: number;
  paused: boolean;
  status: string;
  exitCode: number;
  finishedAt: string;
  oomKilled: boolean;
}

/** The container named `name` (or with that id), or null when the engine has none. */
export async function localContainer(docker: Docker, name: string): Promise<LocalContainer | null> {
  const c = await inspectOrNull(docker.getContainer(name).inspect());
  if (!c) return null;
  const labels = c.Config?.Labels ?? {};
  const s = c.State;
  return {
    id: c.Id, image: c.Image, labels, inputHash: labels[LABELS.inputHash] || undefined,
    running: s.Running, pid: s.Pid ?? 0, paused: s.Paused, status: s.Status, exitCode: s.ExitCode, finishedAt: s.FinishedAt, oomKilled: s.OOMKilled,
  };
}

/** The engine's CPU architecture as Go names it (amd64, arm64). */
export async function engineArch(docker: Docker): Promise<string> {
  return (await docker.version()).Arch;
}
