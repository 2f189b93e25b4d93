/**
 * sbomDiff: what changed between two family versions, per image, from their SBOMs. `--from` and
 * `--to` are save folders, or, with --registry, two versions pushed there. Text for people,
 * `--json` for machines (on standard output, alone with gulp's --silent).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { registryPlace } from '../lib/cache/identity';
import { inputError } from '../lib/errors';
import { imageRepository } from '../lib/naming';
import { connectRegistry } from '../lib/push/connect';
import type { Run } from '../lib/run';
import { diffFamilies, diffLines, type ImageDiff } from '../lib/sbom/diff';
import { type FamilySboms, sbomsFromFolder, sbomsFromRegistry } from '../lib/sbom/diffSources';
import { quote } from '../lib/text';

export async function sbomDiff(run: Run): Promise<ImageDiff[]> {
  const { from, to, json } = run.config.flags;
  if (!from || !to) {
    throw inputError(`sbomDiff needs both --from and --to (${!from ? '--from' : '--to'} is missing)`,
      'give two save folders (--from OLD_DIR --to NEW_DIR), or two versions with --registry host:port (--from 4.0.0.0-20 --to 4.0.0.0-21)');
  }
  const read = await familyReader(run);
  const [a, b] = [await read(from, '--from'), await read(to, '--to')];
  const diffs = diffFamilies(a, b);
  if (json) process.stdout.write(`${JSON.stringify({ from, to, images: diffs })}\n`);
  else for (const line of diffLines(diffs, from, to)) run.log.info(line);
  return diffs;
}

async function familyReader(run: Run): Promise<(value: string, flag: string) => Promise<FamilySboms>> {
  const c = run.config;
  if (!c.registryAddress) {
    return async (value, flag) => {
      const dir = path.resolve(value);
      if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
        throw inputError(`${flag} ${quote(value)} is not a folder`, 'give a folder gulp save wrote, or name a registry with --registry to compare two versions pushed there');
      }
      return sbomsFromFolder(dir, flag);
    };
  }
  const target = await connectRegistry({ registry: c.registryAddress, user: c.push.user, env: process.env, retries: c.push.retries, log: run.log, signal: run.signal });
  const components = [...Object.keys(c.images), 'repo'];
  return async (version, flag) => {
    const names = components.map((comp) => registryPlace(c.registryAddress!, `${imageRepository(comp, c.os)}:${version}`).name);
    return sbomsFromRegistry(target.client, names, version, flag);
  };
}
