/**
 * Small images labelled exactly like the family (or the repo, builder, ... images), built FROM
 * debian:bookworm with a COPY only (no container runs), for the save, push and clean tests.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Docker from 'dockerode';
import * as tar from 'tar';
import { LABELS, projectLabels, type Role } from '../../lib/docker/labels';
import { followJsonStream } from '../../lib/docker/stream';
import { imageRef } from '../../lib/naming';
import type { ShipImage } from '../../lib/ship';
import { docker } from './docker';
import { tempDir } from './temp';

export interface TinyImageOptions {
  component: string;
  version: string;
  os?: string;
  /** default 'family' */
  role?: Role;
  /** default contrail-<component>-<os>:<version> */
  ref?: string;
  /** size of the image's own layer, in KiB of random bytes */
  kb?: number;
  /** labels instead of the project's (an unrelated image) */
  labels?: Record<string, string>;
  from?: string;
}

export async function buildTinyImage(o: TinyImageOptions): Promise<ShipImage> {
  const os = o.os ?? 'debian12';
  const ref = o.ref ?? imageRef(o.component, os, o.version);
  const inputHash = crypto.randomBytes(32).toString('hex');
  const labels = o.labels ?? projectLabels(o.role ?? 'family', {
    [LABELS.component]: o.component, [LABELS.inputHash]: inputHash, [LABELS.os]: os, [LABELS.version]: o.version,
  });
  const dir = tempDir('contrail-tiny-');
  fs.writeFileSync(path.join(dir, 'Dockerfile'), `FROM ${o.from ?? 'debian:bookworm'}\nCOPY blob /blob-${o.component}\n`);
  fs.writeFileSync(path.join(dir, 'blob'), crypto.randomBytes((o.kb ?? 64) * 1024));
  const context = tar.c({ cwd: dir }, ['Dockerfile', 'blob']) as unknown as NodeJS.ReadableStream;
  const stream = await docker.buildImage(context, { t: ref, labels, forcerm: true, networkmode: 'host' } as Docker.ImageBuildOptions);
  const outcome = await followJsonStream(stream);
  if (outcome.error) throw new Error(`building ${ref}: ${outcome.error}`);
  const info = await docker.getImage(ref).inspect();
  return { component: o.component, ref, id: info.Id, inputHash: labels[LABELS.inputHash] ?? '', size: info.Size };
}

export async function imageId(ref: string): Promise<string | null> {
  try {
    return (await docker.getImage(ref).inspect()).Id;
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return null;
    throw e;
  }
}
