/**
 * Makes the demo product's git repositories: each folder of examples/demo/ansible/ (the
 * miniature contrail-ansible and what it needs) and of examples/demo/sources/ (the miniature
 * contrail-vnc: its manifest repository and projects) becomes a repository under
 * examples/demo/.build/git/<folder>, with `@DEMO_GIT@` in its files replaced by the absolute path
 * of that git folder (so requirements name the other demo repositories as file:// URLs) and
 * `@SHA256:<file>@` by the sha256 of the demo's third-party tarball <file> (scripts/demo-upstream.ts).
 * One commit on master with fixed author, committer and dates, tagged v1.0.0: the same content
 * always gives the same commit id, and a rerun changes nothing. Then makes sure the demo's
 * third-party site answers (scripts/demo-upstream.ts).
 *
 *   node -r esbuild-register scripts/demo-git.ts [SOURCE_DIR DEST_DIR]
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureDemoUpstream, makeTarballs, type Tarball } from './demo-upstream';

const ROOT = path.resolve(__dirname, '..');
export const DEMO_SOURCES = path.join(ROOT, 'examples', 'demo', 'ansible');
/** the miniature contrail-vnc: the manifest repository and its projects */
export const DEMO_SANDBOX_SOURCES = path.join(ROOT, 'examples', 'demo', 'sources');
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

/** The text with the placeholders replaced: the git folder, and each tarball's sha256. */
export function fillPlaceholders(text: string, dest: string, tarballs: Tarball[] = []): string {
  return text.split(PLACEHOLDER).join(dest).replace(/@SHA256:([^@\s]+)@/g, (all, file: string) => {
    const t = tarballs.find((x) => x.file === file);
    if (!t) throw new Error(`${all}: no demo tarball ${file} (examples/demo/upstream/)`);
    return t.sha256;
  });
}

/** Makes (or keeps, when identical) one repository per folder of `sources` under `dest`. */
export function makeDemoRepos(sources = DEMO_SOURCES, dest = DEMO_GIT, tarballs: Tarball[] = []): DemoRepo[] {
  fs.mkdirSync(dest, { recursive: true });
  const out: DemoRepo[] = [];
  const folders = fs.readdirSync(sources, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  for (const name of folders) {
    const target = path.join(dest, name);
    const temp = fs.mkdtempSync(path.join(dest, `.tmp-${name}-`));
    try {
      copyTree(path.join(sources, name), temp, (t) => fillPlaceholders(t, dest, tarballs));
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

/** Every demo repository: the contrail-ansible ones and the sandbox's, whose packages.xml carries the tarballs' sha256. */
export function makeDemo(dest = DEMO_GIT): DemoRepo[] {
  const tarballs = makeTarballs();
  return [...makeDemoRepos(DEMO_SOURCES, dest, tarballs), ...makeDemoRepos(DEMO_SANDBOX_SOURCES, dest, tarballs)];
}

async function main(): Promise<void> {
  const [sources, dest] = process.argv.slice(2);
  const repos = sources ? makeDemoRepos(path.resolve(sources), dest ? path.resolve(dest) : undefined, makeTarballs()) : makeDemo();
  for (const r of repos) console.log(`${r.changed ? 'made' : 'kept'} ${path.relative(process.cwd(), r.path) || r.path} at ${r.commit.slice(0, 12)}`);
  if (!sources) for (const t of await ensureDemoUpstream()) console.log(`serving ${t.file} (sha256 ${t.sha256.slice(0, 12)}) for the sandbox's third_party`);
}

if (require.main === module) {
  main().catch((e) => {
    const err = e as { stderr?: string; message: string };
    console.error(`demo-git: ${err.stderr?.trim() || err.message}`);
    process.exit(1);
  });
}
