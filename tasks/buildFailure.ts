/** Gathers the facts lib/images/failureCause.ts needs about a failed image: the engine, the repo container. */
import type Docker from 'dockerode';
import { checkEngine } from '../lib/docker/engine';
import { describeError } from '../lib/errors';
import type { FailureFacts, RepoFact, RepoState } from '../lib/images/failureCause';
import { fetchIndex } from '../lib/packages/repoServer';
import type { PreparedFamily, PreparedImage } from './family';
import { inspectOrNull } from '../lib/docker/notFound';

async function repoState(docker: Docker, name: string, url: string): Promise<RepoState> {
  const info = await inspectOrNull(docker.getContainer(name).inspect());
  if (!info) return { kind: 'missing' };
  const s = info.State;
  if (!s.Running || s.Paused) {
    return { kind: 'stopped', status: s.Status, exitCode: s.Running ? null : s.ExitCode, finishedAt: s.Running ? null : s.FinishedAt, oomKilled: s.OOMKilled };
  }
  const answer = await fetchIndex(docker.getContainer(name), url);
  return answer.text !== undefined ? { kind: 'running', answers: true } : { kind: 'running', answers: false, problem: answer.error ?? 'no answer' };
}

export async function failureFacts(docker: Docker, family: PreparedFamily, img: PreparedImage): Promise<FailureFacts> {
  try {
    await checkEngine(docker, 3000);
  } catch (e) {
    return { engine: { answers: false, problem: describeError(e).split('\n')[0] }, repo: null };
  }
  const container = family.repo.container;
  if (!container || img.recipe.packages.length === 0) return { engine: { answers: true }, repo: null };
  let repo: RepoFact | null;
  try {
    repo = { name: container.name, url: family.repo.url, state: await repoState(docker, container.name, family.repo.url) };
  } catch {
    // the engine answered a moment ago; what it says now cannot be told apart from the failure itself
    repo = null;
  }
  return { engine: { answers: true }, repo };
}
