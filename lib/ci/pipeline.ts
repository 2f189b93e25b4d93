/**
 * The family as a CI pipeline, before any CI's syntax: a `prep` job (packages and the
 * contrail-ansible artifact into the cache registry), one job per image needing its parents'
 * jobs (prep for an image with none), and a final `publish` job needing every image job. Each job
 * runs one of this project's own commands; the registry and its credentials reach it through
 * the environment, from the CI's secrets by name. Pure.
 */
import { inputError } from '../errors';
import type { CiImage } from './familyGraph';

export interface CiOptions {
  format: 'github' | 'gitlab';
  /** runner labels (GitHub runs-on, GitLab tags) */
  runner: string[];
  /** written into the pipeline as the registry, or null: taken from the secret `secrets.registry` */
  registry: string | null;
  /** the CI's secret (variable) names, never their values */
  secrets: { registry: string; user: string; password: string };
  /** cron, or null: no schedule */
  schedule: string | null;
  /** can be started by hand */
  manual: boolean;
  /** gulp arguments every job adds after its own (e.g. --config FILE) */
  gulpArgs: string[];
}

export interface CiJob {
  id: string;
  /** what the CI shows */
  title: string;
  needs: string[];
  /** the arguments after `npx gulp` */
  gulp: string[];
}

export interface CiPipeline {
  jobs: CiJob[];
  /** the environment every job gets: name -> a literal value or a secret's name */
  env: Record<string, { value: string } | { secret: string }>;
}

export const PREP_JOB = 'prep';
export const PUBLISH_JOB = 'publish';

/** A job id both CIs accept: letters, digits, '-' and '_', starting with a letter. */
export const imageJobId = (name: string) => `image-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`;

export function ciPipeline(images: readonly CiImage[], options: CiOptions): CiPipeline {
  if (images.length === 0) throw inputError('the config defines no images, so the pipeline would have no image job', 'see config.json: one entry per image');
  const ids = new Map<string, string>();
  for (const i of images) {
    const id = imageJobId(i.name);
    const other = ids.get(id);
    if (other !== undefined) throw inputError(`images ${JSON.stringify(other)} and ${JSON.stringify(i.name)} would have the same CI job id ${id}`, 'rename one of them in the config');
    ids.set(id, i.name);
  }
  const prep: CiJob = { id: PREP_JOB, title: 'prep: packages and contrail-ansible', needs: [], gulp: ['pushPrep', ...options.gulpArgs] };
  const imageJobs: CiJob[] = images.map((i) => ({
    id: imageJobId(i.name),
    title: `image ${i.name}`,
    needs: i.parents.length ? i.parents.map(imageJobId) : [PREP_JOB],
    gulp: ['push', '--images', i.name, '--cache-only', ...options.gulpArgs],
  }));
  const publish: CiJob = { id: PUBLISH_JOB, title: 'publish the version tags', needs: imageJobs.map((j) => j.id), gulp: ['publish', ...options.gulpArgs] };
  return {
    jobs: [prep, ...imageJobs, publish],
    env: {
      CONTAINER_REGISTRY: options.registry === null ? { secret: options.secrets.registry } : { value: options.registry },
      CONTAINER_REGISTRY_USER: { secret: options.secrets.user },
      CONTAINER_REGISTRY_PASSWORD: { secret: options.secrets.password },
    },
  };
}

/** `npx gulp ARGS`, each argument quoted for a POSIX shell when it needs it. */
export function gulpCommand(args: readonly string[]): string {
  return ['npx', 'gulp', ...args].map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
