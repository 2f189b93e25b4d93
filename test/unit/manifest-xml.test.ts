import test from 'ava';
import { IN_THREAD_MAX, manifestXmlParser } from '../../lib/sandbox/manifestXml';

const MANIFEST = '<manifest>\n<remote name="r" fetch=".."/>\n<default revision="main" remote="r"/>\n<project name="a &amp; b" path="x/a"/>\n</manifest>\n';

// the module object itself (an import * would be a copy), so the parser sees the counting class
const workerThreads: { Worker: typeof import('node:worker_threads').Worker } = require('node:worker_threads');

/** Counts the workers started while `f` runs. */
async function workersDuring<T>(f: () => Promise<T>): Promise<{ result: T; workers: number }> {
  const real = workerThreads.Worker;
  let workers = 0;
  workerThreads.Worker = class extends real {
    constructor(...args: ConstructorParameters<typeof real>) {
      super(...args);
      workers++;
    }
  };
  try {
    return { result: await f(), workers };
  } finally {
    workerThreads.Worker = real;
  }
}

test('a small manifest is parsed in this thread, a large one in a worker, alike: elements, attributes, line numbers', async (t) => {
  const parser = manifestXmlParser();
  try {
    const small = await workersDuring(() => parser.parse(MANIFEST, 'small.xml'));
    t.is(small.workers, 0);
    // the same manifest after a comment that takes it past the limit: its elements move down a line
    const large = await workersDuring(() => parser.parse(`<!-- ${'x'.repeat(IN_THREAD_MAX)} -->\n${MANIFEST}`, 'large.xml'));
    t.is(large.workers, 1);
    const lines = (e: { line: number; children: { line: number }[] }) => [e.line, ...e.children.map((c) => c.line)];
    t.deepEqual(lines(small.result), [1, 2, 3, 4]);
    t.deepEqual(lines(large.result), [2, 3, 4, 5]);
    t.deepEqual(large.result.children.map((c) => [c.tag, c.attrs]), small.result.children.map((c) => [c.tag, c.attrs]));
    t.deepEqual(small.result.children[2].attrs, { name: 'a & b', path: 'x/a' });
    // and both refuse what is not well-formed, naming the line
    await t.throwsAsync(parser.parse('<manifest>\n<project name="a">\n</manifest>\n', 'bad.xml'), { message: /bad\.xml line \d+: not well-formed XML/ });
    await t.throwsAsync(parser.parse(`<manifest>\n<!-- ${'x'.repeat(IN_THREAD_MAX)} -->\n<project name="a">\n</manifest>\n`, 'bad.xml'), { message: /bad\.xml line \d+: not well-formed XML/ });
  } finally {
    parser.close();
  }
});
