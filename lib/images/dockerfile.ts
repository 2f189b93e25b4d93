/**
 * Reads what the scheduler needs from a Dockerfile: which images it builds FROM (after the global
 * ARG defaults and the build arguments are substituted) and which ARGs it declares. It follows the
 * classic builder's rules (continuations, comments, the escape directive, stage names) closely
 * enough to reject what the engine would reject, so a broken Dockerfile fails before its build.
 */

export class DockerfileError extends Error {
  constructor(readonly line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = 'DockerfileError';
  }
}

export interface Instruction {
  /** upper-case keyword */
  keyword: string;
  /** the rest of the instruction, continuations joined */
  args: string;
  /** first line, 1-based */
  line: number;
}

export interface ParentRef {
  /** the image reference after substitution, as written (no implicit tag added) */
  ref: string;
  line: number;
  /** 'from' for FROM, 'copy' for COPY --from=<image> */
  via: 'from' | 'copy';
}

export interface ParsedDockerfile {
  instructions: Instruction[];
  /** every ARG name the file declares, before or after FROM */
  args: string[];
  /** external images the build needs (stage names and `scratch` excluded) */
  parents: ParentRef[];
}

const KEYWORDS = new Set([
  'ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL',
  'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR',
]);

/** Splits the text into instructions, honouring `# escape=` and line continuations. */
export function splitInstructions(text: string): Instruction[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let escape = '\\';
  // parser directives: only at the very top, before any comment, blank line or instruction
  for (const raw of lines) {
    const m = /^#\s*([a-zA-Z]+)\s*=\s*(.*?)\s*$/.exec(raw);
    if (!m) break;
    if (m[1].toLowerCase() === 'escape') {
      if (m[2] !== '\\' && m[2] !== '`') throw new DockerfileError(1, `invalid escape directive ${JSON.stringify(m[2])} (\\ or \`)`);
      escape = m[2];
    }
  }
  const continued = new RegExp(`${escape === '\\' ? '\\\\' : '`'}[ \\t]*$`);
  const out: Instruction[] = [];
  let pending = '';
  let start = 0;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    const trimmed = raw.trim();
    // comments and blank lines vanish, even in the middle of a continued instruction
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const more = continued.test(raw);
    if (!pending) start = i + 1;
    pending += more ? raw.replace(continued, '') : raw;
    if (!more) {
      out.push(toInstruction(pending, start));
      pending = '';
    }
  }
  if (pending.trim()) out.push(toInstruction(pending, start));
  return out;
}

function toInstruction(text: string, line: number): Instruction {
  const m = /^\s*(\S+)\s*([\s\S]*?)\s*$/.exec(text)!;
  const keyword = m[1].toUpperCase();
  if (!KEYWORDS.has(keyword)) throw new DockerfileError(line, `unknown instruction ${m[1]}`);
  return { keyword, args: m[2], line };
}

/**
 * Substitutes $NAME, ${NAME}, ${NAME:-word} and ${NAME:+word}; `\$` stays a literal `$`.
 * An unknown variable becomes '' (as the engine does).
 */
export function substitute(value: string, vars: Record<string, string | undefined>, line = 0): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\' && value[i + 1] === '$') {
      out += '$';
      i++;
      continue;
    }
    if (c !== '$') {
      out += c;
      continue;
    }
    if (value[i + 1] === '{') {
      const end = value.indexOf('}', i + 2);
      if (end === -1) throw new DockerfileError(line, `missing "}" in ${JSON.stringify(value)}`);
      const inner = value.slice(i + 2, end);
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?::([-+])(.*))?$/s.exec(inner);
      if (!m) throw new DockerfileError(line, `bad substitution \${${inner}}`);
      const v = vars[m[1]];
      if (m[2] === '-') out += v ? v : substitute(m[3], vars, line);
      else if (m[2] === '+') out += v ? substitute(m[3], vars, line) : '';
      else out += v ?? '';
      i = end;
      continue;
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(value.slice(i + 1));
    if (!m) {
      out += c;
      continue;
    }
    out += vars[m[0]] ?? '';
    i += m[0].length;
  }
  return out;
}

/** `a=1 b="two words" c` -> [['a','1'],['b','two words'],['c',undefined]] */
function parseArgDeclarations(args: string, line: number): [string, string | undefined][] {
  const out: [string, string | undefined][] = [];
  const re = /([^\s=]+)(?:=("(?:[^"\\]|\\.)*"|'[^']*'|\S*))?/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(args))) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(m[1])) throw new DockerfileError(line, `ARG ${JSON.stringify(m[1])} is not a valid name`);
    let v = m[2];
    if (v !== undefined && /^["']/.test(v)) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
    out.push([m[1], v]);
  }
  if (out.length === 0) throw new DockerfileError(line, 'ARG needs a name');
  return out;
}

// repository[:tag][@digest], with an optional registry host (which may carry a port)
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REFERENCE = new RegExp(
  `^(?:(?:[a-zA-Z0-9-]+(?:\\.[a-zA-Z0-9-]+)*(?::[0-9]+)?|\\[[0-9a-fA-F:]+\\](?::[0-9]+)?)/)?${COMPONENT}(?:/${COMPONENT})*` +
    '(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$',
);

export const isImageReference = (ref: string) => REFERENCE.test(ref);

/** `debian` -> `debian:latest`; a registry port is not a tag. */
export function normalizeRef(ref: string): string {
  if (ref.includes('@')) return ref;
  const slash = ref.lastIndexOf('/');
  return ref.lastIndexOf(':') > slash ? ref : `${ref}:latest`;
}

export function parseDockerfile(text: string, buildArgs: Record<string, string> = {}): ParsedDockerfile {
  const instructions = splitInstructions(text);
  if (instructions.length === 0) throw new DockerfileError(1, 'the file holds no instructions (it needs a FROM)');
  const globals: Record<string, string | undefined> = {};
  const declared = new Set<string>();
  const stages = new Set<string>();
  const parents: ParentRef[] = [];
  let stageCount = 0;

  for (const ins of instructions) {
    if (ins.keyword === 'ARG') {
      for (const [name, def] of parseArgDeclarations(ins.args, ins.line)) {
        declared.add(name);
        // only ARGs before the first FROM can be used in FROM lines
        if (stageCount === 0) globals[name] = name in buildArgs ? buildArgs[name] : def === undefined ? undefined : substitute(def, globals, ins.line);
      }
      continue;
    }
    if (ins.keyword !== 'FROM') {
      if (stageCount === 0) throw new DockerfileError(ins.line, `${ins.keyword} before the first FROM (only ARG may come before it)`);
      if ((ins.keyword === 'COPY' || ins.keyword === 'ADD') && /--from=/.test(ins.args)) {
        const m = /(?:^|\s)--from=(\S+)/.exec(ins.args);
        const from = m ? substitute(m[1], globals, ins.line) : '';
        if (!from) throw new DockerfileError(ins.line, `${ins.keyword} --from= names nothing`);
        if (!stages.has(from.toLowerCase()) && !/^\d+$/.test(from)) {
          if (!isImageReference(from)) throw new DockerfileError(ins.line, `${ins.keyword} --from=${from} is neither a stage nor an image reference`);
          parents.push({ ref: from, line: ins.line, via: 'copy' });
        }
      }
      continue;
    }
    stageCount++;
    const words = ins.args.split(/\s+/).filter(Boolean);
    while (words[0]?.startsWith('--')) {
      if (!/^--platform=\S+$/.test(words[0])) throw new DockerfileError(ins.line, `FROM does not take the flag ${words[0]}`);
      words.shift();
    }
    if (words.length === 0) throw new DockerfileError(ins.line, 'FROM names no image');
    if (words.length !== 1 && !(words.length === 3 && words[1].toLowerCase() === 'as')) {
      throw new DockerfileError(ins.line, `FROM ${ins.args}: expected "FROM <image> [AS <name>]"`);
    }
    const ref = substitute(words[0], globals, ins.line);
    if (!ref) {
      const unset = [...words[0].matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]);
      throw new DockerfileError(ins.line, `FROM ${words[0]} resolves to an empty image name` +
        (unset.length ? ` (build argument ${unset.join(', ')} is not set)` : ''));
    }
    if (!stages.has(ref.toLowerCase()) && ref !== 'scratch') {
      if (!isImageReference(ref)) throw new DockerfileError(ins.line, `FROM ${words[0]} resolves to ${JSON.stringify(ref)}, which is not a valid image reference`);
      parents.push({ ref, line: ins.line, via: 'from' });
    }
    if (words.length === 3) stages.add(words[2].toLowerCase());
  }
  if (stageCount === 0) throw new DockerfileError(instructions[0].line, 'no FROM instruction');
  return { instructions, args: [...declared], parents };
}
