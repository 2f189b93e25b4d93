/** Gathers the facts lib/images/failureCause.ts needs about a failed image: the engine, the repo container. */
import type Docker from 'dockerode';
import { checkEngine, type EngineTarget } from '../lib/docker/engine';
import { describeError } from '../lib/errors';
import type { FailureFacts, RepoFact, RepoState } from '../lib/images/failureCause';
import { packageFamily } from '../lib/packages/families';
import type { PreparedFamily, PreparedImage } from './familyFacts';
import { localContainer } from '../lib/docker/containers';
import { readRepoIndex } from '../lib/packages/repoIndex';

async function repoState(docker: Docker, name: string, url: string, family: 'deb' | 'rpm'): Promise<RepoState> {
  const s = await localContainer(docker, name);
  if (!s) return { kind: 'missing' };
  if (!s.running || s.paused) {
    return { kind: 'stopped', status: s.status, exitCode: s.running ? null : s.exitCode, finishedAt: s.running ? null : s.finishedAt, oomKilled: s.oomKilled };
  }
  const answer = await readRepoIndex(docker, s, url, packageFamily(family).repo);
  return answer.text !== undefined ? { kind: 'running', answers: true } : { kind: 'running', answers: false, problem: answer.error ?? 'no answer' };
}

export async function failureFacts(docker: Docker, target: EngineTarget, family: PreparedFamily, img: PreparedImage): Promise<FailureFacts> {
  try {
    await checkEngine(docker, target, 3000);
  } catch (e) {
    return { engine: { answers: false, problem: describeError(e).split('\n')[0] }, repo: null };
  }
  const container = family.repo.container;
  if (!container || img.recipe.packages.length === 0) return { engine: { answers: true }, repo: null };
  let repo: RepoFact | null;
  try {
    const flavor = family.repo.family ?? 'deb';
    repo = { name: container.name, url: family.repo.url, index: packageFamily(flavor).repo.readyPath, state: await repoState(docker, container.name, family.repo.url, flavor) };
  } catch {
    // the engine answered a moment ago; what it says now cannot be told apart from the failure itself
    repo = null;
  }
  return { engine: { answers: true }, repo };
}
