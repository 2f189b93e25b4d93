/**
 * ci: the family as a CI pipeline (lib/ci), printed, written to --out, or (--check) compared with
 * the file there: a committed pipeline that no longer matches the family (a Dockerfile or an
 * image added) exits 1. Reads the config and the Dockerfiles only: no engine, no prep.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ciFamilyGraph } from '../lib/ci/familyGraph';
import { CI_FORMATS } from '../lib/ci/formats';
import { ciPipeline, type CiOptions } from '../lib/ci/pipeline';
import { PROJECT_ROOT } from '../lib/config/defaults';
import { buildError, inputError } from '../lib/errors';
import { writeFileAtomic } from '../lib/fs/atomic';
import type { ResolvedConfig } from '../lib/config/load';
import type { Run } from '../lib/run';

export interface CiResult {
  text: string;
  /** the file written or checked, or null when printed */
  file: string | null;
}

/** The options the generator takes, from the config and flags; bad combinations are input errors. */
export function ciOptions(c: ResolvedConfig): CiOptions {
  if (c.ci.format === null) throw inputError('ci needs --format github or --format gitlab (or "ci": {"format": ...} in the config)');
  if (c.flags.check && !c.flags.out) throw inputError('--check compares with a file: give it with --out FILE', 'e.g. npx gulp ci --format github --out .github/workflows/contrail-images.yml --check');
  if (!c.ci.schedule && !c.ci.manual) throw inputError('the pipeline would have no trigger: --schedule is none and --manual is false', 'give a cron schedule (--schedule "0 2 * * *") or let it be started by hand (--manual)');
  // jobs run in the project's checkout: the config is named as this run reads it, relative to the project
  const configArg = c.configFile === null || c.configFile === path.join(PROJECT_ROOT, 'config.json') ? [] : ['--config', configPath(c.configFile)];
  return {
    format: c.ci.format,
    runner: c.ci.runner ?? CI_FORMATS[c.ci.format].defaultRunner,
    registry: c.registry,
    secrets: c.ci.secrets,
    schedule: c.ci.schedule,
    manual: c.ci.manual,
    gulpArgs: configArg,
  };
}

/** Inside the project: relative to it (the checkout's root, where the jobs run); else as it is. */
function configPath(file: string): string {
  const inProject = path.relative(PROJECT_ROOT, file);
  return inProject.startsWith('..') || path.isAbsolute(inProject) ? file : inProject;
}

/** A path as the user would type it: relative to the current folder when it is under it. */
function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') ? relative : file;
}

export function generate(c: ResolvedConfig): string {
  const options = ciOptions(c);
  return CI_FORMATS[options.format].render(ciPipeline(ciFamilyGraph(c), options), options);
}

export async function ci(run: Run): Promise<CiResult> {
  const c = run.config;
  const text = generate(c);
  const file = c.flags.out ?? null;
  if (file === null) {
    process.stdout.write(text);
    return { text, file };
  }
  if (c.flags.check) {
    let committed: string | null = null;
    try {
      committed = fs.readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw inputError(`--out ${file} cannot be read (${(e as NodeJS.ErrnoException).code})`);
    }
    if (committed !== text) {
      throw buildError(`${file} ${committed === null ? 'does not exist' : 'no longer matches the family (its images, Dockerfiles or the ci options changed)'}`,
        `regenerate it: npx gulp ci --format ${c.ci.format} --out ${shown(file)} (with the same flags), and commit it`);
    }
    run.log.info(`ci: ${file} matches the family`);
    return { text, file };
  }
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) throw inputError(`--out ${file} is a folder`, 'give a file name, e.g. .github/workflows/contrail-images.yml');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic(file, text);
  run.log.info(`ci: wrote ${file}`);
  return { text, file };
}
