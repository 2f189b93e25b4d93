/**
 * The closure's installer (lib/ansible/closure.ts) on a galaxy container: each requirement
 * gets its own ansible-galaxy run, so that a failure names the requirement and the file that
 * asked for it; what appears is copied out into the staged checkout on the host.
 *
 * Requirements may name git repositories on this machine (file://...), which the container
 * cannot see. They are copied into it at the same absolute path first, with the local
 * repositories their meta/main.yml dependencies name (read on the host with `git show`), so
 * ansible-galaxy fetches them there exactly as it would anywhere.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildError } from '../errors';
import { git } from '../git/checkout';
import { checkGitRef } from '../git/safety';
import type { AppearedCollection, Installer, RoleFiles } from './closure';
import { CONTAINER, collectionInstallCommand, galaxyOutputTail, type Layout, localRepoPath, roleInstallCommand } from './galaxy';
import type { GalaxyContainer } from './galaxyContainer';
import {
  type CollectionRequirement,
  describeOrigin,
  describeRequirement,
  galaxyRequirementsText,
  parseMetaDependencies,
  parseRequirements,
  type Requirement,
  type RoleRequirement,
} from './requirements';
import { listTree, memoryEntries } from './tarball';
import { readTextOrNull } from '../fs/read';

export class ContainerInstaller implements Installer {
  private requests = 0;
  private readonly copied = new Set<string>();

  constructor(
    private readonly box: GalaxyContainer,
    /** the staged checkout on the host */
    private readonly checkout: string,
    private readonly layout: Layout,
    private readonly signal?: AbortSignal,
  ) {}

  private get hostRoles() {
    return path.join(this.checkout, this.layout.rolesPath);
  }

  private get containerRoles() {
    return path.posix.join(CONTAINER.checkout, this.layout.rolesPath);
  }

  private get containerCollections() {
    return path.posix.join(CONTAINER.checkout, this.layout.collectionsPath);
  }

  async installRole(r: RoleRequirement): Promise<string[]> {
    if (r.scm === 'git') await this.shareLocalRepos(r.src, r.version);
    const before = new Set(await this.box.list(this.containerRoles));
    await this.galaxy(r, roleInstallCommand(await this.request(r), this.layout.rolesPath));
    const appeared = (await this.box.list(this.containerRoles)).filter((n) => !before.has(n));
    for (const name of appeared) await this.box.copyOut(path.posix.join(this.containerRoles, name), this.hostRoles);
    return appeared;
  }

  async installCollection(c: CollectionRequirement): Promise<Record<string, AppearedCollection>> {
    if (c.type === 'git') await this.shareLocalRepos(c.src.replace(/#.*$/, ''), c.version);
    await this.galaxy(c, collectionInstallCommand(await this.request(c), this.layout.collectionsPath));
    const before = this.hostCollections();
    if ((await this.box.list(this.containerCollections)).length) {
      await this.box.copyOut(this.containerCollections, path.dirname(path.join(this.checkout, this.layout.collectionsPath)));
    }
    const after = this.hostCollections();
    return Object.fromEntries(Object.entries(after).filter(([name]) => !(name in before)));
  }

  roleFiles(name: string): RoleFiles {
    const dir = path.join(this.hostRoles, name);
    const rel = (...p: string[]) => path.posix.join(this.layout.rolesPath, name, ...p);
    const pick = (...names: string[][]) =>
      names.flatMap((p) => {
        const text = readTextOrNull(path.join(dir, ...p));
        return text === null ? [] : [{ file: rel(...p), text }];
      });
    return {
      requirements: pick(['requirements.yml'], ['requirements.yaml']),
      meta: pick(['meta', 'main.yml'], ['meta', 'main.yaml'], ['meta', 'requirements.yml'], ['meta', 'requirements.yaml']),
    };
  }

  /** Installed collections in the staged checkout: namespace.name -> version and dependencies. */
  private hostCollections(): Record<string, AppearedCollection> {
    const root = path.join(this.checkout, this.layout.collectionsPath, 'ansible_collections');
    const out: Record<string, AppearedCollection> = {};
    for (const ns of fs.existsSync(root) ? fs.readdirSync(root) : []) {
      const nsDir = path.join(root, ns);
      if (!fs.statSync(nsDir).isDirectory()) continue;
      for (const name of fs.readdirSync(nsDir)) {
        const text = readTextOrNull(path.join(nsDir, name, 'MANIFEST.json'));
        if (text === null) continue;
        try {
          const info = JSON.parse(text).collection_info ?? {};
          out[`${ns}.${name}`] = { version: String(info.version ?? ''), dependencies: Object.keys(info.dependencies ?? {}) };
        } catch {
          out[`${ns}.${name}`] = { version: '', dependencies: [] };
        }
      }
    }
    return out;
  }

  /** Writes the one-requirement file ansible-galaxy is given; returns its path in the container. */
  private async request(r: Requirement): Promise<string> {
    const file = path.posix.join(CONTAINER.requests, `${String(++this.requests).padStart(3, '0')}-${r.kind}.yml`);
    await this.box.copyIn(memoryEntries({ [file.slice(1)]: galaxyRequirementsText(r) }));
    return file;
  }

  private async galaxy(r: Requirement, cmd: string[]): Promise<void> {
    const result = await this.box.exec(cmd);
    // ansible-galaxy reports some failed dependencies only as a warning
    const failed = result.code !== 0 || /was NOT installed successfully/.test(result.output);
    if (!failed) return;
    throw buildError(
      `ansible-galaxy could not install ${describeRequirement(r)}, asked for by ${describeOrigin(r.from)}`,
      'check that the source answers and the version exists (the lines above are ansible-galaxy\'s output); fix that requirements file',
      { details: galaxyOutputTail(result.output) },
    );
  }

  /**
   * Copies the local repository `src` (and, recursively, the local repositories its
   * meta/main.yml and meta/requirements.yml name at `version`) into the container.
   */
  private async shareLocalRepos(src: string, version: string): Promise<void> {
    const repo = localRepoPath(src);
    if (!repo || this.copied.has(repo)) return;
    this.copied.add(repo);
    if (!fs.existsSync(repo)) return; // ansible-galaxy will say it cannot be fetched, naming the requirement
    const dotGit = path.join(repo, '.git');
    const gitDir = fs.existsSync(dotGit) && fs.statSync(dotGit).isDirectory() ? dotGit : repo;
    await this.box.copyIn(listTree(gitDir, gitDir.slice(1), { parents: false }));
    for (const dep of await this.localMetaDeps(repo, version)) await this.shareLocalRepos(dep.src, dep.version);
  }

  private async localMetaDeps(repo: string, version: string): Promise<RoleRequirement[]> {
    const rev = version || 'HEAD';
    try {
      checkGitRef(rev, 'version');
    } catch {
      return [];
    }
    const deps: RoleRequirement[] = [];
    for (const file of ['meta/main.yml', 'meta/main.yaml', 'meta/requirements.yml', 'meta/requirements.yaml']) {
      let text: string;
      try {
        text = await git(repo, { signal: this.signal }).raw(['show', `${rev}:${file}`]);
      } catch {
        continue;
      }
      try {
        deps.push(...(file.startsWith('meta/main') ? parseMetaDependencies(text, file) : parseRequirements(text, file).roles));
      } catch {
        /* ansible-galaxy reports its own meta problems */
      }
    }
    return deps.filter((d) => d.scm === 'git' && localRepoPath(d.src));
  }
}
