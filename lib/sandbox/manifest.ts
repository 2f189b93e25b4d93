/**
 * A repo manifest (Google's `repo` tool; contrail-vnc's default.xml) read as repo reads it:
 * remotes, the default remote and revision, projects with their copyfiles and linkfiles,
 * includes of other files of the same repository, and remove-project. What we do not support is
 * an error naming it with its file and line, never silently ignored. Other manifest files are
 * read through `read`.
 *
 * Bounded: each file's size, the projects, the include depth and the includes in all have limits
 * (manifestLimits in the config), and each file is read and parsed once: a file included again
 * (a diamond of includes) adds nothing, its elements are in already. Interruptible: the parse runs
 * where the run's signal stops it (manifestXml.ts), and the signal is checked between files.
 */
import * as path from 'node:path';
import type { ManifestLimits } from '../config/types';
import { inputError } from '../errors';
import { throwIfInterrupted } from '../interrupt';
import { checkGitRef, checkGitUrl } from '../git/safety';
import { quote } from '../text';
import { manifestXmlParser, type ManifestXmlParser, type XmlElement } from './manifestXml';
import { resolveFetch } from './fetchUrl';

export interface FileCopy {
  /** relative to the project */
  src: string;
  /** relative to the sandbox top */
  dest: string;
}

export interface ManifestProject {
  name: string;
  /** relative to the sandbox top */
  path: string;
  remote: string;
  /** the git URL: the remote's fetch URL + '/' + name */
  url: string;
  /** a branch, tag or commit id */
  revision: string;
  copyfiles: FileCopy[];
  linkfiles: FileCopy[];
  /** file:line, for messages */
  at: string;
}

export interface ManifestRemote {
  name: string;
  /** resolved: absolute, after the config's rewrite */
  fetch: string;
}

export interface SandboxManifest {
  remotes: ManifestRemote[];
  default: { remote?: string; revision?: string };
  projects: ManifestProject[];
}

export interface ManifestInput {
  /** the manifest file in its repository, e.g. default.xml */
  file: string;
  /** the text of a file of the manifest repository, or null when it does not exist */
  read: (file: string) => string | null;
  /** the manifest repository's URL: relative fetch URLs resolve against it */
  manifestUrl: string;
  /** config: remote name -> fetch URL that replaces the manifest's */
  rewrites: Record<string, string>;
  /** names the manifest for messages, e.g. `packages.build.sources[0] ("contrail") manifest` */
  what: string;
  /** names the rewrites for messages, e.g. `packages.build.sources[0].remotes` */
  rewritesKey: string;
  limits: ManifestLimits;
  signal?: AbortSignal;
}

/** The error of a manifest past one of its limits: names the limit, the file and how to raise it. */
export function pastLimit(where: string, limit: keyof ManifestLimits, value: number, what: string): Error {
  return inputError(`${where}: ${what}, past manifestLimits.${limit} (${value})`,
    `check the manifest; if it is really that large, raise manifestLimits.${limit} in the config`);
}

/** The size check of a manifest file, before and after it is read. */
export function checkManifestSize(where: string, bytes: number, limits: ManifestLimits): void {
  if (bytes > limits.maxMegabytes * 1024 * 1024) throw pastLimit(where, 'maxMegabytes', limits.maxMegabytes, `the file has ${bytes} bytes`);
}

const ALLOWED: Record<string, { attrs: string[]; children: string[] }> = {
  manifest: { attrs: [], children: ['remote', 'default', 'project', 'include', 'remove-project'] },
  remote: { attrs: ['name', 'fetch', 'revision'], children: [] },
  default: { attrs: ['remote', 'revision'], children: [] },
  project: { attrs: ['name', 'path', 'revision', 'remote'], children: ['copyfile', 'linkfile'] },
  copyfile: { attrs: ['src', 'dest'], children: [] },
  linkfile: { attrs: ['src', 'dest'], children: [] },
  include: { attrs: ['name'], children: [] },
  'remove-project': { attrs: ['name'], children: [] },
};
const REQUIRED: Record<string, string[]> = {
  remote: ['name', 'fetch'], project: ['name'], copyfile: ['src', 'dest'], linkfile: ['src', 'dest'], include: ['name'], 'remove-project': ['name'],
};

interface Raw {
  remotes: Map<string, { fetch: string; revision?: string; at: string }>;
  default: { remote?: string; revision?: string; at?: string };
  /** in manifest order; a Set, so remove-project takes its projects out without a scan */
  projects: Set<RawProject>;
  byName: Map<string, RawProject[]>;
  /** projects added in all, removed ones too: what manifestLimits.maxProjects bounds */
  added: number;
}
type RawProject = Omit<ManifestProject, 'url' | 'revision' | 'remote'> & { remote?: string; revision?: string };

/** A relative path without '..', '.' or empty parts, not into .repo or a .git folder. */
function pathProblem(p: string): string | null {
  if (p === '' || path.isAbsolute(p) || /^[A-Za-z]:/.test(p)) return 'is not a relative path';
  const parts = p.split(/[\\/]/);
  if (parts.includes('..')) return "has a '..' part, which would leave the sandbox";
  if (parts.some((x) => x === '' || x === '.')) return "has an empty or '.' part";
  if (parts[0] === '.repo' || parts.includes('.git')) return 'points into .repo or a .git folder';
  return null;
}

interface Walk {
  input: ManifestInput;
  xml: ManifestXmlParser;
  raw: Raw;
  /** files read so far: each is read once */
  read: Set<string>;
  includes: number;
}

export async function readSandboxManifest(input: ManifestInput): Promise<SandboxManifest> {
  const w: Walk = { input, xml: manifestXmlParser(input.signal), raw: { remotes: new Map(), default: {}, projects: new Set(), byName: new Map(), added: 0 }, read: new Set(), includes: 0 };
  try {
    await walk(w, input.file, []);
  } finally {
    w.xml.close();
  }
  if (input.signal) throwIfInterrupted(input.signal);
  return resolve(input, w.raw);
}

async function walk(w: Walk, file: string, stack: string[]): Promise<void> {
  const { input, raw } = w;
  const where = `${input.what} ${file}`;
  if (stack.includes(file)) {
    throw inputError(`${input.what}: include loop: ${[...stack, file].join(' -> ')}`, 'an included manifest must not include, directly or not, the file that includes it');
  }
  if (w.read.has(file)) return;
  w.read.add(file);
  if (input.signal) throwIfInterrupted(input.signal);
  const text = input.read(file);
  if (text === null) {
    throw inputError(stack.length ? `${input.what} ${stack[stack.length - 1]}: included file ${quote(file)} does not exist in the manifest repository` : `${where} does not exist in the manifest repository`,
      'check manifest.file (and the include names), and manifest.ref');
  }
  checkManifestSize(where, Buffer.byteLength(text), input.limits);
  const root = await w.xml.parse(text, where);
  const at = (e: XmlElement) => `${where} line ${e.line}`;
  const bad = (e: XmlElement, message: string, hint?: string) => inputError(`${at(e)}: ${message}`, hint);
  const check = (e: XmlElement, parent: string) => {
    if (e.tag === '#text') throw bad(e, `unexpected text ${quote(e.attrs.value.slice(0, 40))} in <${parent}>`, 'a manifest holds elements only');
    const allowed = ALLOWED[parent].children;
    if (!allowed.includes(e.tag)) throw bad(e, `<${e.tag}> is not supported${parent === 'manifest' ? '' : ` inside <${parent}>`}`, `supported here: ${allowed.map((t) => `<${t}>`).join(', ') || 'nothing'}`);
    for (const a of Object.keys(e.attrs)) {
      if (!ALLOWED[e.tag].attrs.includes(a)) throw bad(e, `attribute ${quote(a)} of <${e.tag}> is not supported`, `supported: ${ALLOWED[e.tag].attrs.join(', ')}`);
    }
    for (const a of REQUIRED[e.tag] ?? []) {
      if (!e.attrs[a]) throw bad(e, `<${e.tag}> has no ${a}`, `give <${e.tag}> a ${a} attribute`);
    }
  };
  if (root.tag !== 'manifest') throw bad(root, `the top element is <${root.tag}>, not <manifest>`);
  if (Object.keys(root.attrs).length) throw bad(root, `attribute ${quote(Object.keys(root.attrs)[0])} of <manifest> is not supported`);
  for (const e of root.children) {
    check(e, 'manifest');
    for (const c of e.children) check(c, e.tag);
    const a = e.attrs;
    if (e.tag === 'remote') {
      const seen = raw.remotes.get(a.name);
      if (seen && (seen.fetch !== a.fetch || seen.revision !== a.revision)) throw bad(e, `remote ${quote(a.name)} is defined twice, differently (first at ${seen.at})`);
      raw.remotes.set(a.name, { fetch: a.fetch, ...(a.revision ? { revision: a.revision } : {}), at: at(e) });
    } else if (e.tag === 'default') {
      if (raw.default.at && (raw.default.remote !== a.remote || raw.default.revision !== a.revision)) throw bad(e, `a second, different <default> (first at ${raw.default.at})`);
      raw.default = { remote: a.remote, revision: a.revision, at: at(e) };
    } else if (e.tag === 'include') {
      const problem = pathProblem(a.name);
      if (problem) throw bad(e, `include ${quote(a.name)} ${problem}`, 'include a file of the same manifest repository by its relative path');
      if (++w.includes > input.limits.maxIncludes) throw pastLimit(at(e), 'maxIncludes', input.limits.maxIncludes, `include ${quote(a.name)} is one <include> too many`);
      if (stack.length + 1 > input.limits.maxIncludeDepth) throw pastLimit(at(e), 'maxIncludeDepth', input.limits.maxIncludeDepth, `include ${quote(a.name)} is included ${stack.length + 1} levels deep`);
      await walk(w, a.name, [...stack, file]);
    } else if (e.tag === 'remove-project') {
      const named = raw.byName.get(a.name);
      if (!named) throw bad(e, `remove-project names ${quote(a.name)}, which no project before it has`);
      for (const p of named) raw.projects.delete(p);
      raw.byName.delete(a.name);
    } else {
      if (++raw.added > input.limits.maxProjects) throw pastLimit(at(e), 'maxProjects', input.limits.maxProjects, `project ${quote(a.name)} is one project too many`);
      const p = project(e, at(e), bad);
      raw.projects.add(p);
      const same = raw.byName.get(p.name);
      if (same) same.push(p);
      else raw.byName.set(p.name, [p]);
    }
  }
}

function project(e: XmlElement, at: string, bad: (e: XmlElement, m: string, h?: string) => Error): RawProject {
  const { name } = e.attrs;
  const namePart = pathProblem(name);
  if (namePart || /[\s\0]/.test(name)) throw bad(e, `project name ${quote(name)} ${namePart ?? 'has white space'}`, 'a project name is the repository path under its remote, e.g. contrail-build');
  const p = e.attrs.path ?? name;
  const problem = pathProblem(p.replace(/\/+$/, ''));
  if (problem) throw bad(e, `project ${quote(name)} path ${quote(p)} ${problem}`, 'give a relative path inside the sandbox, e.g. tools/build');
  const copies = (tag: string) => e.children.filter((c) => c.tag === tag).map((c) => {
    for (const k of ['src', 'dest'] as const) {
      const why = pathProblem(c.attrs[k]);
      if (why) throw bad(c, `<${tag}> ${k} ${quote(c.attrs[k])} of project ${quote(name)} ${why}`, `${k === 'src' ? 'src is relative to the project' : 'dest is relative to the sandbox top'} and stays inside it`);
    }
    return { src: c.attrs.src, dest: c.attrs.dest };
  });
  return {
    name, path: p.replace(/\/+$/, ''), at,
    ...(e.attrs.remote ? { remote: e.attrs.remote } : {}),
    ...(e.attrs.revision ? { revision: e.attrs.revision } : {}),
    copyfiles: copies('copyfile'), linkfiles: copies('linkfile'),
  };
}

function resolve(input: ManifestInput, raw: Raw): SandboxManifest {
  for (const name of Object.keys(input.rewrites)) {
    if (!raw.remotes.has(name)) {
      throw inputError(`${input.rewritesKey}.${name}: the manifest has no remote ${quote(name)}`, `its remotes: ${[...raw.remotes.keys()].join(', ') || 'none'}`);
    }
  }
  const fetchOf = new Map<string, string>();
  for (const [name, r] of raw.remotes) {
    const fetch = input.rewrites[name] ?? resolveFetch(input.manifestUrl, r.fetch);
    checkGitUrl(fetch, `${r.at}: remote ${quote(name)} fetch`);
    fetchOf.set(name, fetch);
  }
  const d = raw.default;
  if (d.remote !== undefined && !raw.remotes.has(d.remote)) throw inputError(`${d.at}: <default> names remote ${quote(d.remote)}, which the manifest does not define`, `its remotes: ${[...raw.remotes.keys()].join(', ') || 'none'}`);
  const used = new Set<string>();
  const byPath = new Map<string, string>();
  const projects = [...raw.projects].map((p): ManifestProject => {
    const remote = p.remote ?? d.remote;
    if (remote === undefined) throw inputError(`${p.at}: project ${quote(p.name)} has no remote, and <default> names none`, 'add remote="..." to the project or to <default>');
    if (!raw.remotes.has(remote)) throw inputError(`${p.at}: project ${quote(p.name)} names remote ${quote(remote)}, which the manifest does not define`, `its remotes: ${[...raw.remotes.keys()].join(', ') || 'none'}`);
    const revision = p.revision ?? raw.remotes.get(remote)!.revision ?? d.revision;
    if (revision === undefined) throw inputError(`${p.at}: project ${quote(p.name)} has no revision, and neither its remote nor <default> gives one`, 'add revision="..." (a branch, tag or commit id)');
    checkGitRef(revision, `${p.at}: project ${quote(p.name)} revision`);
    const other = byPath.get(p.path);
    if (other) throw inputError(`${p.at}: project ${quote(p.name)} has path ${quote(p.path)}, which project ${quote(other)} has too`, 'give each project its own path');
    byPath.set(p.path, p.name);
    used.add(remote);
    const url = `${fetchOf.get(remote)!.replace(/\/+$/, '')}/${p.name}`;
    checkGitUrl(url, `${p.at}: project ${quote(p.name)} URL`);
    return { name: p.name, path: p.path, remote, url, revision, copyfiles: p.copyfiles, linkfiles: p.linkfiles, at: p.at };
  });
  if (projects.length === 0) throw inputError(`${input.what} ${input.file}: the manifest has no project`, 'a sandbox needs at least one <project>');
  for (const [name, r] of raw.remotes) {
    if (!used.has(name)) throw inputError(`${r.at}: remote ${quote(name)} is used by no project`, 'remove it, or name it in a project or in <default>');
  }
  return { remotes: [...raw.remotes.keys()].map((name) => ({ name, fetch: fetchOf.get(name)! })), default: { remote: d.remote, revision: d.revision }, projects };
}
