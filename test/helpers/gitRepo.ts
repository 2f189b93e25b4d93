import * as fs from 'node:fs';
import * as path from 'node:path';
import { simpleGit } from 'simple-git';

/** Writes `files` into the git repository `dir` (made on first use, branch main) and commits them; returns the new commit. */
export async function gitRepo(dir: string, files: Record<string, string>): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), text, { mode: text.startsWith('#!') ? 0o755 : 0o644 });
  }
  const g = simpleGit(dir);
  if (!fs.existsSync(path.join(dir, '.git'))) {
    await g.init(['-b', 'main']);
    await g.addConfig('user.email', 'tests@opencontrail.invalid').addConfig('user.name', 'tests');
  }
  await g.add('.');
  await g.commit('change');
  return (await g.revparse(['HEAD'])).trim();
}
