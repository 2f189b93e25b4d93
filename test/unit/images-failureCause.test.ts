import test from 'ava';
import { explainFailure, type RepoFact, repoTrouble } from '../../lib/images/failureCause';

const repo = (state: RepoFact['state']): RepoFact => ({ name: 'contrail-repo-debian12-1567', url: 'http://127.0.0.1:1567', state });
const APT = "docker build: The command '/bin/sh -c contrail-install $PACKAGES' returned a non-zero code: 100";

test('a repo container that exited: named, with its URL, exit code and time, before what apt said', (t) => {
  const why = explainFailure(APT, {
    engine: { answers: true },
    repo: repo({ kind: 'stopped', status: 'exited', exitCode: 137, finishedAt: '2026-01-02T03:04:05Z', oomKilled: false }),
  });
  t.is(why, 'the contrail repo container contrail-repo-debian12-1567 (http://127.0.0.1:1567) is not running: exited (exit code 137, at 2026-01-02T03:04:05Z), '
    + `so the image's packages could not be installed; rerun: the repo container is started again or replaced [${APT}]`);
});

test('a repo container that is gone, killed for memory, paused, or running without serving', (t) => {
  t.is(repoTrouble(repo({ kind: 'missing' })), 'the contrail repo container contrail-repo-debian12-1567 (http://127.0.0.1:1567) is gone: it was removed during the build');
  t.regex(repoTrouble(repo({ kind: 'stopped', status: 'exited', exitCode: 137, finishedAt: '2026-01-02T03:04:05Z', oomKilled: true }))!,
    /is not running: exited \(exit code 137, killed for lack of memory, at 2026-01-02T03:04:05Z\)$/);
  // a container never started reports the zero time: not worth printing
  t.regex(repoTrouble(repo({ kind: 'stopped', status: 'created', exitCode: 0, finishedAt: '0001-01-01T00:00:00Z', oomKilled: false }))!,
    /is not running: created \(exit code 0\)$/);
  t.regex(repoTrouble(repo({ kind: 'stopped', status: 'paused', exitCode: null, finishedAt: null, oomKilled: false }))!, /is not running: paused$/);
  t.is(repoTrouble(repo({ kind: 'running', answers: false, problem: 'wget: server returned error: HTTP/1.1 404 Not Found' })),
    'the contrail repo container contrail-repo-debian12-1567 (http://127.0.0.1:1567) is running but does not serve http://127.0.0.1:1567/Packages.gz (wget: server returned error: HTTP/1.1 404 Not Found)');
  t.is(repoTrouble(repo({ kind: 'running', answers: true })), null);
});

test('a repo that serves, or no repo involved: the build\'s own error, unchanged', (t) => {
  t.is(explainFailure(APT, { engine: { answers: true }, repo: repo({ kind: 'running', answers: true }) }), APT);
  t.is(explainFailure('docker build: exit 3', { engine: { answers: true }, repo: null }), 'docker build: exit 3');
});

test('an engine that stopped answering comes first, whatever the repo', (t) => {
  const why = explainFailure('docker build: the engine closed the stream before it ended', {
    engine: { answers: false, problem: 'no Docker engine answers at tcp://127.0.0.1:18710 (ECONNREFUSED)' },
    repo: null,
  });
  t.is(why, 'the Docker engine stopped answering during the build: no Docker engine answers at tcp://127.0.0.1:18710 (ECONNREFUSED); '
    + 'start it again and rerun (built images are skipped) [docker build: the engine closed the stream before it ended]');
});
