/**
 * ansible-galaxy's requirement formats, read with line numbers so that every complaint names
 * the file and line: requirements.yml (a list of roles, or `roles:` and `collections:`), and the
 * `dependencies:` of a role's meta/main.yml. Role names and sources follow ansible-galaxy's own
 * rules (RoleRequirement.role_yaml_parse), so what we record is what it installs. Pure.
 */
import type * as Yaml from 'yaml';
import type { Node as YamlNode } from 'yaml';
import { inputError } from '../errors';
import { checkGitRef, checkGitUrl } from '../git/safety';
import { quote } from '../text';

// loaded when a requirements file is read: a no-op run finds its contrail-ansible artifact current without it
const yaml = (): typeof Yaml => require('yaml') as typeof Yaml;

/** Where a requirement was asked for: a repository-relative file and a 1-based line. */
export interface Origin {
  file: string;
  line: number;
}

export interface RoleRequirement {
  kind: 'role';
  /** the folder it is installed as */
  name: string;
  /** without the scm prefix: a git URL, a galaxy name (namespace.role) or an archive URL */
  src: string;
  /** 'git' for `git+...` sources, else null (galaxy server or archive) */
  scm: string | null;
  /** '' for the default branch / latest */
  version: string;
  from: Origin;
}

export type CollectionType = 'galaxy' | 'git' | 'url' | 'file' | 'dir' | 'subdirs';

export interface CollectionRequirement {
  kind: 'collection';
  /** a git URL (without `git+` and `,version`), a namespace.name, a URL or a path */
  src: string;
  type: CollectionType;
  /** '' for the default branch / latest */
  version: string;
  /** a galaxy server to ask, when given */
  server?: string;
  from: Origin;
}

export type Requirement = RoleRequirement | CollectionRequirement;

export interface RequirementsFile {
  roles: RoleRequirement[];
  collections: CollectionRequirement[];
}

const HINT = 'see https://docs.ansible.com/ansible/latest/galaxy/user_guide.html#installing-multiple-roles-from-a-file';
const ROLE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

interface Doc {
  root: unknown;
  lineOf(node: unknown): number;
}

function load(text: string, file: string): Doc {
  const lc = new (yaml().LineCounter)();
  const doc = yaml().parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: false });
  const err = doc.errors[0];
  if (err) {
    // an unclosed bracket is found at the end of the file: name the last line there is
    const lines = text.replace(/\n$/, '').split('\n').length;
    const line = Math.min(err.linePos?.[0].line ?? lc.linePos(err.pos[0]).line, lines);
    const what = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw inputError(`${file} line ${line} is not valid YAML: ${what}`, 'fix the YAML syntax of that file in the repository');
  }
  return {
    root: doc.contents,
    lineOf: (node) => {
      const range = (node as YamlNode | null)?.range;
      return range ? lc.linePos(range[0]).line : 1;
    },
  };
}

const scalar = (node: unknown): string | undefined => {
  if (!yaml().isScalar(node)) return undefined;
  const v = node.value;
  if (v === null || v === undefined) return '';
  return typeof v === 'object' ? undefined : String(v as string | number | boolean | bigint);
};

function mapOf(node: unknown): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (!yaml().isMap(node)) return out;
  for (const pair of node.items) {
    const key = scalar(pair.key);
    if (key !== undefined) out.set(key, pair.value);
  }
  return out;
}

/** ansible-galaxy's repo_url_to_role_name: the last path part of a URL, without .git / .tar.gz / ,version. */
export function roleNameFromSrc(src: string): string {
  if (!src.includes('://') && !src.includes('@')) return src;
  let tail = src.split('/').pop() ?? src;
  if (tail.endsWith('.git')) tail = tail.slice(0, -4);
  if (tail.endsWith('.tar.gz')) tail = tail.slice(0, -7);
  if (tail.includes(',')) tail = tail.split(',')[0];
  return tail;
}

function splitScm(src: string): { scm: string | null; src: string } {
  const plus = src.indexOf('+');
  // "git+https://..." — not a '+' inside a URL's path
  if (plus > 0 && /^[a-z]+$/.test(src.slice(0, plus))) return { scm: src.slice(0, plus), src: src.slice(plus + 1) };
  return { scm: null, src };
}

/** Git sources reach git on the host (ls-remote, show), so they get the same checks as config values. */
function checkRole(r: RoleRequirement): RoleRequirement {
  const at = `${r.from.file} line ${r.from.line}`;
  if (r.scm !== null && r.scm !== 'git') {
    throw inputError(`${at}: role ${quote(r.name)} uses scm ${quote(r.scm)}; only git sources are supported`, 'use a git+ URL, a galaxy name or an archive URL');
  }
  if (r.scm === 'git') checkGitUrl(r.src, `${at}: role ${quote(r.name)} src`);
  if (r.version && r.scm === 'git') checkGitRef(r.version, `${at}: role ${quote(r.name)} version`);
  if (!ROLE_NAME.test(r.name) || r.name === '.' || r.name === '..') {
    throw inputError(`${at}: role name ${quote(r.name)} cannot be a folder name`, 'give the role a plain "name:" (letters, digits, "_", "-", ".")');
  }
  return r;
}

/** One role entry, as ansible-galaxy reads it (string "src[,version[,name]]" or a mapping). */
function roleEntry(node: unknown, doc: Doc, file: string): RoleRequirement {
  const from = { file, line: doc.lineOf(node) };
  const at = `${file} line ${from.line}`;
  const text = scalar(node);
  if (text !== undefined) {
    const parts = text.trim().split(',');
    if (parts.length > 3 || !parts[0]) {
      throw inputError(`${at}: role line ${quote(text)} is not "src[,version[,name]]"`, HINT);
    }
    const [raw, version = '', name] = parts.map((p) => p.trim());
    const { scm, src } = splitScm(raw);
    return checkRole({ kind: 'role', name: name || roleNameFromSrc(raw), src, scm, version, from });
  }
  if (!yaml().isMap(node)) throw inputError(`${at}: a role is a string or a mapping with "src"`, HINT);
  const m = mapOf(node);
  const field = (k: string) => {
    if (!m.has(k)) return undefined;
    const v = scalar(m.get(k));
    if (v === undefined) throw inputError(`${file} line ${doc.lineOf(m.get(k))}: role "${k}" must be a string`, HINT);
    return v;
  };
  if (m.has('include')) {
    throw inputError(`${at}: "include" of other requirement files is not supported`, 'list the roles in this file, or in the role\'s own requirements.yml');
  }
  const roleKey = field('role');
  let src = field('src');
  if (src === undefined && roleKey === undefined && field('name') === undefined) {
    throw inputError(`${at}: a role needs "src" (or "name")`, HINT);
  }
  src ??= roleKey ?? field('name')!;
  let scm = field('scm') || null;
  // ansible-galaxy turns GitHub web URLs into git sources
  if (!scm && /github\.com/.test(src) && /http/.test(src) && !src.includes('+') && !src.endsWith('.tar.gz')) src = `git+${src}`;
  const split = splitScm(src);
  if (split.scm) {
    scm = split.scm;
    src = split.src;
  }
  const name = roleKey ?? field('name') ?? roleNameFromSrc(src);
  return checkRole({ kind: 'role', name, src, scm, version: field('version') ?? '', from });
}

const COLLECTION_TYPES: CollectionType[] = ['galaxy', 'git', 'url', 'file', 'dir', 'subdirs'];

function collectionEntry(node: unknown, doc: Doc, file: string): CollectionRequirement {
  const from = { file, line: doc.lineOf(node) };
  const at = `${file} line ${from.line}`;
  let name: string | undefined;
  let version = '';
  let type: string | undefined;
  let server: string | undefined;
  const text = scalar(node);
  if (text !== undefined) {
    name = text.trim();
  } else if (yaml().isMap(node)) {
    const m = mapOf(node);
    const get = (k: string) => (m.has(k) ? scalar(m.get(k)) : undefined);
    name = get('name') ?? get('source');
    version = get('version') ?? '';
    type = get('type');
    server = m.has('name') ? get('source') : undefined;
  } else {
    throw inputError(`${at}: a collection is a string or a mapping with "name"`, HINT);
  }
  if (!name) throw inputError(`${at}: a collection needs "name"`, HINT);
  if (type !== undefined && !COLLECTION_TYPES.includes(type as CollectionType)) {
    throw inputError(`${at}: collection type ${quote(type)} is not one of ${COLLECTION_TYPES.join(', ')}`, HINT);
  }
  let src = name;
  if (src.startsWith('git+')) {
    type ??= 'git';
    src = src.slice(4);
  }
  if (type === 'git' && src.includes(',')) {
    const i = src.lastIndexOf(',');
    version ||= src.slice(i + 1);
    src = src.slice(0, i);
  }
  if (!type) type = /^https?:\/\//.test(src) ? 'url' : src.startsWith('/') || src.startsWith('.') ? 'dir' : 'galaxy';
  if (type === 'galaxy') {
    // "ns.name:>=1.0" is the string form's version
    const colon = src.indexOf(':');
    if (colon > 0 && !version) {
      version = src.slice(colon + 1);
      src = src.slice(0, colon);
    }
    if (!/^[A-Za-z0-9_]+\.[A-Za-z0-9_]+$/.test(src)) {
      throw inputError(`${at}: collection ${quote(src)} is not namespace.name`, 'name galaxy collections as namespace.name, and git ones as git+URL');
    }
  }
  if (type === 'git') {
    checkGitUrl(src.replace(/#.*$/, ''), `${at}: collection src`);
    if (version) checkGitRef(version, `${at}: collection ${quote(src)} version`);
  }
  return { kind: 'collection', src, type: type as CollectionType, version, ...(server ? { server } : {}), from };
}

/** A requirements.yml: a list of roles, or a mapping with `roles:` and/or `collections:`. */
export function parseRequirements(text: string, file: string): RequirementsFile {
  const doc = load(text, file);
  const out: RequirementsFile = { roles: [], collections: [] };
  const root = doc.root;
  if (root === null || root === undefined || scalar(root) === '') return out;
  const listOf = (node: unknown, key: string): unknown[] => {
    if (node === null || node === undefined || scalar(node) === '') return [];
    if (!yaml().isSeq(node)) throw inputError(`${file} line ${doc.lineOf(node)}: "${key}" must be a list`, HINT);
    return node.items;
  };
  if (yaml().isSeq(root)) {
    out.roles = root.items.map((n) => roleEntry(n, doc, file));
    return out;
  }
  if (!yaml().isMap(root)) {
    throw inputError(`${file} line ${doc.lineOf(root)}: expected a list of roles, or "roles:" and "collections:"`, HINT);
  }
  const m = mapOf(root);
  if (!m.has('roles') && !m.has('collections')) {
    throw inputError(`${file} line ${doc.lineOf(root)}: expected "roles:" and/or "collections:"`, HINT);
  }
  out.roles = listOf(m.get('roles'), 'roles').map((n) => roleEntry(n, doc, file));
  out.collections = listOf(m.get('collections'), 'collections').map((n) => collectionEntry(n, doc, file));
  return out;
}

/**
 * The role dependencies of a meta/main.yml that ansible-galaxy installs: those with a source it
 * can fetch. Plain names without a '.' (roles expected beside the playbooks) it skips, and so do we.
 */
export function parseMetaDependencies(text: string, file: string): RoleRequirement[] {
  const doc = load(text, file);
  const deps = mapOf(doc.root).get('dependencies');
  if (!yaml().isSeq(deps)) return [];
  return deps.items
    .map((n) => roleEntry(n, doc, file))
    .filter((r) => r.scm !== null || r.name.includes('.') || r.src.includes('.'));
}

/** "requirements.yml line 3" */
export const describeOrigin = (o: Origin): string => `${o.file} line ${o.line}`;

/** How a requirement is shown in messages: `role "a" (git+file:///x/a, version v1)`. */
export function describeRequirement(r: Requirement): string {
  const src = r.kind === 'role' ? `${r.scm ? `${r.scm}+` : ''}${r.src}` : `${r.type === 'git' ? 'git+' : ''}${r.src}`;
  const label = r.kind === 'role' ? `role ${quote(r.name)} (${src}` : `collection ${quote(r.src)} (${r.type}`;
  return `${label}${r.version ? `, version ${r.version}` : ''})`;
}

/** The requirements file ansible-galaxy is given for one requirement (JSON is YAML). */
export function galaxyRequirementsText(r: Requirement): string {
  if (r.kind === 'role') {
    return JSON.stringify([{ name: r.name, src: r.src, ...(r.scm ? { scm: r.scm } : {}), ...(r.version ? { version: r.version } : {}) }]);
  }
  return JSON.stringify({
    collections: [{
      name: r.src,
      type: r.type,
      ...(r.version ? { version: r.version } : {}),
      ...(r.server ? { source: r.server } : {}),
    }],
  });
}
