/**
 * The complete dependency tree, including what ansible-galaxy does not follow: requirements.yml
 * files inside installed roles. Requirements are installed one at a time, in the order they are
 * found (breadth first), each role once: the first version wins, and a later, different one is
 * a warning naming both. ansible-galaxy itself installs meta/main.yml dependencies; they are
 * attributed here to the meta file that asked for them. Pure apart from the injected installer.
 */
import { quote } from '../text';
import {
  type CollectionRequirement,
  describeOrigin,
  describeRequirement,
  type Origin,
  parseMetaDependencies,
  parseRequirements,
  type Requirement,
  type RoleRequirement,
} from './requirements';

export interface InstalledRole {
  name: string;
  /** '' when ansible-galaxy installed it and no meta file names it */
  src: string;
  scm: string | null;
  version: string;
  from: Origin;
  /** installed as a meta/main.yml dependency by ansible-galaxy, not asked for directly */
  dependency: boolean;
}

export interface InstalledCollection {
  /** namespace.name */
  name: string;
  /** the installed version (from its MANIFEST.json) */
  installedVersion: string;
  /** the requirement that brought it (for dependencies of collections: that of the parent) */
  requirement: CollectionRequirement;
  dependency: boolean;
}

export interface AppearedCollection {
  version: string;
  /** namespace.name of the collections its MANIFEST.json depends on */
  dependencies: string[];
}

export interface RoleFiles {
  /** repository-relative path -> text of the role's requirements.yml / requirements.yaml */
  requirements: { file: string; text: string }[];
  /** repository-relative path and text of meta/main.yml (and meta/requirements.yml), if any */
  meta: { file: string; text: string }[];
}

/** What the closure needs from the outside world (the galaxy container, the staged tree). */
export interface Installer {
  /** installs one role; returns the names of the role folders that appeared */
  installRole(r: RoleRequirement): Promise<string[]>;
  /** installs one collection; returns the collections that appeared */
  installCollection(c: CollectionRequirement): Promise<Record<string, AppearedCollection>>;
  /** the requirement and meta files of an installed role */
  roleFiles(name: string): RoleFiles;
}

export interface ClosureResult {
  roles: InstalledRole[];
  collections: InstalledCollection[];
  warnings: string[];
}

const sameRole = (a: { src: string; scm: string | null; version: string }, b: { src: string; scm: string | null; version: string }) =>
  a.src === b.src && (a.scm ?? '') === (b.scm ?? '') && a.version === b.version;

const showRole = (r: { src: string; scm: string | null; version: string }) =>
  `${r.scm ? `${r.scm}+` : ''}${r.src || '(unknown source)'}${r.version ? `@${r.version}` : ''}`;

const collectionKey = (c: CollectionRequirement) => `${c.type}:${c.src}`;

export class Closure {
  readonly roles = new Map<string, InstalledRole>();
  readonly collections = new Map<string, InstalledCollection>();
  readonly warnings: string[] = [];
  private readonly queue: Requirement[] = [];
  /** collection requirements accepted so far, by source */
  private readonly collectionRequests = new Map<string, CollectionRequirement>();
  /** roles that are part of the repository itself */
  private readonly own: Set<string>;
  private readonly rolesDir: string;

  constructor(ownRoles: string[], rolesDir: string) {
    this.own = new Set(ownRoles);
    this.rolesDir = rolesDir;
  }

  /** Queues what is new; drops (with a warning when they differ) what is already there or queued. */
  add(reqs: Requirement[]): void {
    for (const r of reqs) {
      if (r.kind === 'collection') {
        const first = this.collectionRequests.get(collectionKey(r));
        if (first) {
          if (first.version !== r.version) {
            this.warnings.push(
              `collection ${quote(r.src)}: version ${quote(r.version || 'default')} asked for by ${describeOrigin(r.from)} ` +
              `conflicts with ${quote(first.version || 'default')} asked for by ${describeOrigin(first.from)}; keeping the first`,
            );
          }
          continue;
        }
        this.collectionRequests.set(collectionKey(r), r);
        this.queue.push(r);
        continue;
      }
      if (this.own.has(r.name)) {
        this.warnings.push(
          `role ${quote(r.name)} (${showRole(r)}) asked for by ${describeOrigin(r.from)} is part of the repository ` +
          `(${this.rolesDir}/${r.name}); keeping the repository's`,
        );
        continue;
      }
      const first = this.roles.get(r.name) ?? this.queued(r.name);
      if (first) {
        if (!sameRole(first, r)) {
          this.warnings.push(
            `role ${quote(r.name)}: ${showRole(r)} asked for by ${describeOrigin(r.from)} conflicts with ` +
            `${showRole(first)} asked for by ${describeOrigin(first.from)}; keeping the first`,
          );
        }
        continue;
      }
      this.queue.push(r);
    }
  }

  private queued(name: string): RoleRequirement | undefined {
    return this.queue.find((q): q is RoleRequirement => q.kind === 'role' && q.name === name);
  }

  next(): Requirement | undefined {
    return this.queue.shift();
  }

  /**
   * Records a role install: the requested role, and the roles ansible-galaxy added as meta
   * dependencies, attributed to the meta file of an installed role that names them.
   */
  installedRole(r: RoleRequirement, appeared: string[], metaDeps: (role: string) => RoleRequirement[]): InstalledRole[] {
    const added: InstalledRole[] = [];
    const record = (role: InstalledRole) => {
      this.roles.set(role.name, role);
      added.push(role);
    };
    if (appeared.includes(r.name)) record({ name: r.name, src: r.src, scm: r.scm, version: r.version, from: r.from, dependency: false });
    for (const name of [...appeared].sort()) {
      if (name === r.name || this.roles.has(name)) continue;
      let found: RoleRequirement | undefined;
      for (const parent of [r.name, ...appeared, ...this.roles.keys()]) {
        found = metaDeps(parent).find((d) => d.name === name);
        if (found) break;
      }
      record(found
        ? { name, src: found.src, scm: found.scm, version: found.version, from: found.from, dependency: true }
        : { name, src: '', scm: null, version: '', from: { file: `${this.rolesDir}/${r.name}/meta/main.yml`, line: 0 }, dependency: true });
    }
    return added;
  }

  installedCollections(c: CollectionRequirement, appeared: Record<string, AppearedCollection>): void {
    const names = Object.keys(appeared).sort();
    if (names.length === 0) {
      this.warnings.push(
        `${describeRequirement(c)} asked for by ${describeOrigin(c.from)}: ansible-galaxy installed nothing new ` +
        `(a collection of that name is already installed: ${[...this.collections.keys()].join(', ') || 'none'}); keeping the first`,
      );
      return;
    }
    // what one of the others depends on came as a dependency; the rest is what was asked for
    const needed = new Set(names.flatMap((n) => appeared[n].dependencies));
    for (const name of names) {
      this.collections.set(name, { name, installedVersion: appeared[name].version, requirement: c, dependency: needed.has(name) });
    }
  }

  result(): ClosureResult {
    return { roles: [...this.roles.values()], collections: [...this.collections.values()], warnings: [...this.warnings] };
  }
}

/** Parses every file; a role's own files must parse (they decide what else is installed). */
function roleRequirements(files: RoleFiles): Requirement[] {
  const out: Requirement[] = [];
  for (const f of files.requirements) {
    const parsed = parseRequirements(f.text, f.file);
    out.push(...parsed.roles, ...parsed.collections);
  }
  return out;
}

/** Meta dependencies, for attribution only: ansible-galaxy already acted on them, so a meta file we cannot read names nothing. */
function metaRequirements(files: RoleFiles): RoleRequirement[] {
  const out: RoleRequirement[] = [];
  for (const f of files.meta) {
    try {
      out.push(...(f.file.endsWith('requirements.yml') || f.file.endsWith('requirements.yaml')
        ? parseRequirements(f.text, f.file).roles
        : parseMetaDependencies(f.text, f.file)));
    } catch {
      /* ansible-galaxy reports its own meta problems */
    }
  }
  return out;
}

/**
 * Installs `top` and everything it leads to, until no new role appears. `ownRoles` are the
 * roles the repository carries itself (in `rolesDir`).
 */
export async function installClosure(top: Requirement[], installer: Installer, ownRoles: string[], rolesDir: string): Promise<ClosureResult> {
  const closure = new Closure(ownRoles, rolesDir);
  const metaCache = new Map<string, RoleRequirement[]>();
  const metaDeps = (role: string) => {
    if (!metaCache.has(role)) metaCache.set(role, metaRequirements(installer.roleFiles(role)));
    return metaCache.get(role)!;
  };
  closure.add(top);
  for (let r = closure.next(); r; r = closure.next()) {
    if (r.kind === 'collection') {
      closure.installedCollections(r, await installer.installCollection(r));
      continue;
    }
    if (closure.roles.has(r.name)) {
      // installed meanwhile as someone's meta dependency
      const first = closure.roles.get(r.name)!;
      if (!sameRole(first, r)) {
        closure.warnings.push(
          `role ${quote(r.name)}: ${showRole(r)} asked for by ${describeOrigin(r.from)} conflicts with ` +
          `${showRole(first)} asked for by ${describeOrigin(first.from)}; keeping the first`,
        );
      }
      continue;
    }
    const appeared = await installer.installRole(r);
    for (const role of closure.installedRole(r, appeared, metaDeps)) {
      closure.add(roleRequirements(installer.roleFiles(role.name)));
    }
  }
  return closure.result();
}
