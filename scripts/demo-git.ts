/**
 * Makes the demo product's git repositories: each folder of examples/demo/ansible/ becomes a
 * repository under examples/demo/.build/git/<folder>, with `@DEMO_GIT@` in its files replaced
 * by the absolute path of that git folder (so requirements name the other demo repositories as
 * file:// URLs). One commit on master with fixed author, committer and dates, tagged v1.0.0:
 * the same content always gives the same commit id, and a rerun changes nothing.
 *
 *   node -r esbuild-register scripts/demo-git.ts [SOURCE_DIR DEST_DIR]
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
export const DEMO_SOURCES = path.join(ROOT, 'examples', 'demo', 'ansible');
export const DEMO_GIT = path.join(ROOT, 'examples', 'demo', '.build', 'git');
export const PLACEHOLDER = '@DEMO_GIT@';
export const DEMO_DATE = '2017-06-01T00:00:00Z';

/** git with no user or system configuration, a fixed identity, and the given dates. */
export function gitIn(dir: string, args: string[], date = DEMO_DATE): string {
  return execFileSync('git', ['-c', 'user.name=contrail-docker demo', '-c', 'user.email=demo@contrail-docker.invalid', '-c', 'commit.gpgsign=false', '-c', 'tag.gpgsign=false', ...args], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_DATE: date,
      GIT_COMMITTER_DATE: date,
    },
  }).trim();
}

function copyTree(from: string, to: string, replace: (text: string) => string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    const dest = path.join(to, entry.name);
    if (entry.isDirectory()) copyTree(src, dest, replace);
    else if (entry.isFile()) {
      fs.writeFileSync(dest, replace(fs.readFileSync(src, 'utf8')));
      fs.chmodSync(dest, fs.statSync(src).mode & 0o777);
    }
  }
}

const headOf = (dir: string): string | undefined => {
  try {
    return gitIn(dir, ['rev-parse', 'HEAD', 'v1.0.0^{commit}']);
  } catch {
    return undefined;
  }
};

export interface DemoRepo {
  name: string;
  path: string;
  commit: string;
  changed: boolean;
}

/** Makes (or keeps, when identical) one repository per folder of `sources` under `dest`. */
export function makeDemoRepos(sources = DEMO_SOURCES, dest = DEMO_GIT): DemoRepo[] {
  fs.mkdirSync(dest, { recursive: true });
  const out: DemoRepo[] = [];
  const folders = fs.readdirSync(sources, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  for (const name of folders) {
    const target = path.join(dest, name);
    const temp = fs.mkdtempSync(path.join(dest, `.tmp-${name}-`));
    try {
      copyTree(path.join(sources, name), temp, (t) => t.split(PLACEHOLDER).join(dest));
      gitIn(temp, ['init', '--quiet', '--initial-branch=master']);
      gitIn(temp, ['add', '--all']);
      gitIn(temp, ['commit', '--quiet', '--no-verify', '-m', `${name}: demo`]);
      gitIn(temp, ['tag', 'v1.0.0']);
      const made = headOf(temp)!;
      if (headOf(target) === made) {
        out.push({ name, path: target, commit: made.split('\n')[0], changed: false });
        continue;
      }
      fs.rmSync(target, { recursive: true, force: true });
      fs.renameSync(temp, target);
      out.push({ name, path: target, commit: made.split('\n')[0], changed: true });
    } finally {
      fs.rmSync(temp, { recursive: true, force: true });
    }
  }
  return out;
}

if (require.main === module) {
  const [sources, dest] = process.argv.slice(2);
  try {
    for (const r of makeDemoRepos(sources ? path.resolve(sources) : undefined, dest ? path.resolve(dest) : undefined)) {
      console.log(`${r.changed ? 'made' : 'kept'} ${path.relative(process.cwd(), r.path) || r.path} at ${r.commit.slice(0, 12)}`);
    }
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    console.error(`demo-git: ${err.stderr?.trim() || err.message}`);
    process.exit(1);
  }
}
