/**
 * dockerode, loaded on first use and without what most runs never call: its BuildKit session
 * (@grpc/grpc-js and protobufjs) and docker-modem's ssh transport (ssh2). Both are required at the
 * top of dockerode and docker-modem, and cost a no-op run ~11 MiB and ~40% of dockerode's load
 * time; each is put in the require cache as a function that loads the real module on its first
 * call (a BuildKit build with a session, an ssh:// engine). Both modules export one function.
 */
import type Docker from 'dockerode';
import Module from 'node:module';
import * as path from 'node:path';

const LAZY = ['dockerode/lib/session', 'docker-modem/lib/ssh'];

let loaded: typeof Docker | undefined;

export function loadDockerode(): typeof Docker {
  if (!loaded) {
    // docker-modem is dockerode's dependency: resolve both from dockerode's folder
    const from = [path.dirname(require.resolve('dockerode/package.json'))];
    for (const id of LAZY) deferModule(require.resolve(id, { paths: from }));
    loaded = require('dockerode') as typeof Docker;
  }
  return loaded;
}

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;
type CjsModule = NodeJS.Module & { load(file: string): void; paths: string[] };
const ModuleClass = Module as unknown as { new (id: string, parent?: NodeJS.Module): CjsModule; _nodeModulePaths(dir: string): string[] };

function deferModule(file: string): void {
  if (require.cache[file]) return; // loaded already: nothing to spare
  let real: AnyFunction | undefined;
  const lazy = function (this: unknown, ...args: unknown[]) {
    if (!real) {
      const m = new ModuleClass(file, module);
      m.filename = file;
      m.paths = ModuleClass._nodeModulePaths(path.dirname(file));
      m.load(file);
      real = m.exports as AnyFunction;
    }
    return real.apply(this, args);
  };
  const stub = new ModuleClass(file, module);
  stub.filename = file;
  stub.loaded = true;
  stub.exports = lazy;
  require.cache[file] = stub;
}
