/**
 * Why an image failed, when the cause is not the image: a build that loses its engine or its
 * package repo fails with a transport error or a cryptic apt message. Checked after the failure
 * (does the engine answer? is the repo container running and serving?) and said first, so a
 * nightly report names what to fix. Pure: the facts are gathered by tasks/buildFailure.ts.
 */

export type EngineFact = { answers: true } | { answers: false; problem: string };

export type RepoState =
  | { kind: 'missing' }
  | { kind: 'stopped'; status: string; exitCode: number | null; finishedAt: string | null; oomKilled: boolean }
  | { kind: 'running'; answers: true }
  | { kind: 'running'; answers: false; problem: string };

export interface RepoFact {
  /** container name */
  name: string;
  url: string;
  /** what it serves when it works, relative to url (default Packages.gz; repodata/repomd.xml for rpm) */
  index?: string;
  state: RepoState;
}

export interface FailureFacts {
  engine: EngineFact;
  /** the contrail repo container, for an image that installs packages from it; else null */
  repo: RepoFact | null;
}

/** What is wrong with the repo container, or null when it runs and serves its index. */
export function repoTrouble(r: RepoFact): string | null {
  const what = `the contrail repo container ${r.name} (${r.url})`;
  const s = r.state;
  if (s.kind === 'missing') return `${what} is gone: it was removed during the build`;
  if (s.kind === 'stopped') {
    const how = [s.exitCode !== null ? `exit code ${s.exitCode}` : '', s.oomKilled ? 'killed for lack of memory' : '',
      s.finishedAt && !s.finishedAt.startsWith('0001-') ? `at ${s.finishedAt}` : ''].filter(Boolean).join(', ');
    return `${what} is not running: ${s.status}${how ? ` (${how})` : ''}`;
  }
  return s.answers ? null : `${what} is running but does not serve ${r.url}/${r.index ?? 'Packages.gz'} (${s.problem})`;
}

/** The failure reason to report: the engine's or the repo's trouble first, then what the build said. */
export function explainFailure(error: string, facts: FailureFacts): string {
  if (!facts.engine.answers) {
    return `the Docker engine stopped answering during the build: ${facts.engine.problem}; start it again and rerun (built images are skipped) [${error}]`;
  }
  const trouble = facts.repo ? repoTrouble(facts.repo) : null;
  if (trouble) {
    return `${trouble}, so the image's packages could not be installed; rerun: the repo container is started again or replaced [${error}]`;
  }
  return error;
}
