/**
 * dockerode, loaded on first use and without what most runs never call: its BuildKit session
 * (@grpc/grpc-js and protobufjs), docker-modem's ssh transport (ssh2), tar-fs (dockerode packs a
 * build context with it only when given a folder; we hand it a tar stream) and docker-modem's
 * stdin duplex (readable-stream; for attaching with stdin open). All are required at the top of
 * dockerode and docker-modem, and cost a no-op run ~11 MiB and over half of dockerode's load
 * time (tar-fs ~15 ms, the duplex ~10 ms); each is put in the require cache as a stand-in that
 * loads the real module on its first call (scripts/deferModule.js).
 */
import type Docker from 'dockerode';
import * as path from 'node:path';
import { deferModule } from '../../scripts/deferModule';

/** each with the functions it exports; none: it exports one function */
const LAZY: [string, string[]?][] = [['dockerode/lib/session'], ['docker-modem/lib/ssh'], ['tar-fs', ['pack', 'extract']], ['docker-modem/lib/http_duplex']];

let loaded: typeof Docker | undefined;

export function loadDockerode(): typeof Docker {
  if (!loaded) {
    // docker-modem is dockerode's dependency: resolve both from dockerode's folder
    const from = [path.dirname(require.resolve('dockerode/package.json'))];
    for (const [id, names] of LAZY) deferModule(require.resolve(id, { paths: from }), names);
    loaded = require('dockerode') as typeof Docker;
  }
  return loaded;
}
