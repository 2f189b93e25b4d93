/**
 * How many image builds run at once when the user did not say (`jobs`, `--jobs`). The classic
 * builder runs each step in a container and commits it: past one build per CPU the builds only
 * take turns on the same cores. BuildKit runs the steps without containers and overlaps each
 * build's own waits (context transfer, export, apt's downloads from the repo) with other
 * builds' work, so it gains from more builds than CPUs; memory bounds it (each running build
 * holds its apt and dpkg processes), measured in the README's benchmark section. Pure.
 */
import type { Builder } from '../docker/build';

/**
 * BuildKit builds per CPU when `jobs` is not set. 6: on two CPUs the demo family's ten images
 * after base build all at once, as `docker buildx bake` would; at 2 per CPU (4 at once) the
 * cold pipeline took 1.29 times bake's time, all at once 1.02, its critical path (base ->
 * controller) 99% of the run (bench/README.md).
 */
export const BUILDKIT_JOBS_PER_CPU = 6;

export function buildJobs(configured: number, fromDefault: boolean, builder: Builder, cpus: number): number {
  if (!fromDefault) return configured;
  return builder === 'buildkit' ? Math.max(1, cpus) * BUILDKIT_JOBS_PER_CPU : Math.max(1, cpus);
}
