/**
 * dockerode, loaded on first use and without what most runs never call: its BuildKit session
 * (@grpc/grpc-js and protobufjs) and docker-modem's ssh transport (ssh2). Both are required at the
 * top of dockerode and docker-modem, and cost a no-op run ~11 MiB and ~40% of dockerode's load
 * time; each is put in the require cache as a function that loads the real module on its first
 * call (a BuildKit build with a session, an ssh:// engine; scripts/deferModule.js). Both modules
 * export one function.
 */
import type Docker from 'dockerode';
import * as path from 'node:path';
import { deferModule } from '../../scripts/deferModule';

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
