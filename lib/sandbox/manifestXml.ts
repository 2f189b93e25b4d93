/**
 * The XML of a repo manifest as elements with their attributes and line numbers, through
 * fast-xml-parser. Comments and the XML declaration are dropped; text is an error (repo's
 * manifests have none, so it is handed on as a '#text' element for the reader to refuse); anything
 * that is not well-formed XML is an error. Character references are decoded as repo's XML reader
 * decodes them (the five named ones and numeric ones).
 *
 * A large file is parsed in a worker thread: a manifest of many megabytes takes seconds to parse,
 * and the run must answer SIGINT/SIGTERM meanwhile (the worker is terminated at once on the run's
 * signal). A small one (as repo's manifests are, and the record of the last build every run reads
 * again) is parsed in this thread by the same code: it takes milliseconds, where starting a worker
 * took a V8 isolate (~10 MiB and tens of ms of every run's start) and reset the process's V8 flags
 * (.gulp.cjs sets one).
 * Line numbers come from the line starts, found once per file and binary-searched: linear in the
 * file's size.
 */
import { Worker } from 'node:worker_threads';
import { inputError } from '../errors';
import { interruptedError } from '../interrupt';
import { quote } from '../text';

export interface XmlElement {
  tag: string;
  attrs: Record<string, string>;
  line: number;
  children: XmlElement[];
}

/** What the worker hands back: the parse as plain data (the parser's metadata is a symbol, which does not cross threads). */
interface RawNode {
  tag: string;
  attrs: Record<string, string>;
  start: number | undefined;
  /** text nodes: their text */
  text?: string;
  children: RawNode[];
}

type Answer = { nodes: RawNode[] } | { invalid: { line: number; msg: string } } | { failed: string };
type XmlNode = Record<string | symbol, unknown>;

/**
 * The parse, self-contained: the worker runs it from its source text (it loads fast-xml-parser
 * only, not this project's TypeScript), this thread calls it; so both parse alike.
 */
function xmlAnswerer(load: (id: string) => unknown, parserPath: string): (text: string) => Answer {
  const fxp = load(parserPath) as typeof import('fast-xml-parser');
  const META = fxp.XMLParser.getMetaDataSymbol();
  const parser = new fxp.XMLParser({
    preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', allowBooleanAttributes: false,
    parseAttributeValue: false, parseTagValue: false, processEntities: false, ignoreDeclaration: true,
    ignorePiTags: true, captureMetaData: true,
  });
  const plain = (node: XmlNode): RawNode | null => {
    const tag = Object.keys(node).find((k) => k !== ':@');
    if (tag === undefined) return null;
    const meta = node[META as unknown as symbol] as { startIndex?: number } | undefined;
    const start = meta ? meta.startIndex : undefined;
    if (tag === '#text') return { tag, attrs: {}, start, text: String(node[tag]), children: [] };
    return { tag, attrs: { ...(node[':@'] as Record<string, string> | undefined) }, start, children: (node[tag] as XmlNode[]).map(plain).filter((n): n is RawNode => n !== null) };
  };
  return (text) => {
    try {
      const valid = fxp.XMLValidator.validate(text);
      if (valid !== true) return { invalid: { line: valid.err.line, msg: valid.err.msg } };
      return { nodes: (parser.parse(text) as XmlNode[]).map(plain).filter((n): n is RawNode => n !== null) };
    } catch (e) {
      return { failed: String((e as Error)?.message || e) };
    }
  };
}

const PARSER_PATH = require.resolve('fast-xml-parser');

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const answer = (${xmlAnswerer.toString()})(require, ${JSON.stringify(PARSER_PATH)});
parentPort.on('message', ({ id, text }) => parentPort.postMessage({ id, ...answer(text) }));
`;

/** Files up to this many characters are parsed in this thread. */
export const IN_THREAD_MAX = 256 * 1024;

let inThread: ((text: string) => Answer) | undefined;
const answerInThread = (text: string): Answer => (inThread ??= xmlAnswerer(require, PARSER_PATH))(text);

/** 1-based line of each offset, from the line starts found once. */
export function lineFinder(text: string): (index: number | undefined) => number {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (index) => {
    if (index === undefined) return 0;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}

/** The offset of a `<!DOCTYPE` outside comments, or -1. One pass: each comment is skipped whole. */
export function doctypeIndex(text: string): number {
  for (let i = text.indexOf('<!'); i !== -1; i = text.indexOf('<!', i + 2)) {
    if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end === -1) return -1; // an unclosed comment: not well-formed, the validator says where
      i = end + 1;
    } else if (text.slice(i + 2, i + 9).toUpperCase() === 'DOCTYPE') {
      return i;
    }
  }
  return -1;
}

const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes the character references of a value as repo's XML reader does; null names the one it cannot. */
export function decodeReferences(value: string): { value: string } | { bad: string } {
  let bad: string | undefined;
  const decoded = value.replace(/&([^;&\s]*);?/g, (ref, name: string) => {
    const code = /^#x[0-9a-f]+$/i.test(name) ? parseInt(name.slice(2), 16) : /^#[0-9]+$/.test(name) ? parseInt(name.slice(1), 10) : undefined;
    const valid = ref.endsWith(';') && (code !== undefined ? code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) : name in NAMED);
    if (!valid) {
      bad ??= ref;
      return ref;
    }
    return code !== undefined ? String.fromCodePoint(code) : NAMED[name];
  });
  return bad === undefined ? { value: decoded } : { bad };
}

/** Parses the files of one manifest (its includes too), the large ones in one worker; `close` ends it. */
export interface ManifestXmlParser {
  parse(text: string, where: string): Promise<XmlElement>;
  close(): void;
}

export function manifestXmlParser(signal?: AbortSignal): ManifestXmlParser {
  let worker: Worker | undefined;
  let next = 0;
  const waiting = new Map<number, { resolve: (a: Answer) => void; reject: (e: unknown) => void }>();
  const stop = (e: unknown) => {
    void worker?.terminate();
    worker = undefined;
    for (const w of waiting.values()) w.reject(e);
    waiting.clear();
  };
  const onAbort = () => stop(signal!.reason ?? interruptedError('an interrupt'));
  signal?.addEventListener('abort', onAbort, { once: true });
  const started = () => {
    if (worker) return worker;
    const w = new Worker(WORKER_SOURCE, { eval: true });
    w.on('message', (a: Answer & { id: number }) => {
      waiting.get(a.id)?.resolve(a);
      waiting.delete(a.id);
    });
    w.on('error', (e) => stop(e));
    worker = w;
    return w;
  };
  return {
    async parse(text, where) {
      if (signal?.aborted) throw signal.reason ?? interruptedError('an interrupt');
      const lineAt = lineFinder(text);
      const doctype = doctypeIndex(text);
      if (doctype !== -1) {
        // entity definitions could expand without bound; repo's manifests never have one
        throw inputError(`${where} line ${lineAt(doctype)}: <!DOCTYPE> is not supported`, 'remove the DOCTYPE declaration');
      }
      const id = next++;
      const answer = text.length <= IN_THREAD_MAX ? answerInThread(text) : await new Promise<Answer>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        started().postMessage({ id, text });
      });
      if ('invalid' in answer) throw inputError(`${where} line ${answer.invalid.line}: not well-formed XML: ${answer.invalid.msg}`, 'fix the manifest file');
      if ('failed' in answer) throw inputError(`${where}: not well-formed XML: ${answer.failed}`, 'fix the manifest file');
      const top = answer.nodes.map((n) => element(n, lineAt, where)).filter((e): e is XmlElement => e !== null);
      if (top.length !== 1) throw inputError(`${where}: expected one <manifest> element, found ${top.length} top-level elements`, 'a repo manifest is one <manifest> element');
      return top[0];
    },
    close() {
      signal?.removeEventListener('abort', onAbort);
      stop(interruptedError('the end of the manifest read'));
    },
  };
}

function element(n: RawNode, lineAt: (i: number | undefined) => number, where: string): XmlElement | null {
  const line = lineAt(n.start);
  const decode = (v: string, what: string) => {
    const d = decodeReferences(v);
    if ('bad' in d) throw inputError(`${where} line ${line}: ${what} has the reference ${quote(d.bad)}, which XML does not define`, 'write & as &amp; (or use a numeric reference such as &#38;)');
    return d.value;
  };
  if (n.tag === '#text') {
    // kept as an element: the manifest reader says where it is unexpected
    const value = (n.text ?? '').trim();
    return value === '' ? null : { tag: n.tag, attrs: { value }, line, children: [] };
  }
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(n.attrs)) attrs[k] = decode(v, `attribute ${quote(k)} of <${n.tag}>`);
  return { tag: n.tag, attrs, line, children: n.children.map((c) => element(c, lineAt, where)).filter((e): e is XmlElement => e !== null) };
}

/** Attribute values for the XML we write. */
export const escapeAttr = (v: string): string =>
  v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
