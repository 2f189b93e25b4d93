/**
 * How many image builds run at once when the user did not say (`jobs`, `--jobs`). The classic
 * builder runs each step in a container and commits it: past one build per CPU the builds only
 * take turns on the same cores. BuildKit runs the steps without containers and overlaps each
 * build's own waits (context transfer, export, apt's downloads from the repo) with other
 * builds' work, so it gains from more builds than CPUs; memory bounds it (each running build
 * holds its apt and dpkg processes), measured in the README's benchmark section. Pure.
 */
import type { Builder } from '../docker/build';

/** BuildKit builds per CPU when `jobs` is not set: measured on the demo family (README, Benchmark) */
export const BUILDKIT_JOBS_PER_CPU = 2;

export function buildJobs(configured: number, fromDefault: boolean, builder: Builder, cpus: number): number {
  if (!fromDefault) return configured;
  return builder === 'buildkit' ? Math.max(1, cpus) * BUILDKIT_JOBS_PER_CPU : Math.max(1, cpus);
}
