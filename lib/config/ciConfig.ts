/** The config's `ci` section (already schema-checked) as the generator reads it. */
import type { CiConfig } from './types';

export function ciConfig(merged: { format?: string | null; runner: string | string[] | null; schedule?: string | null; manual?: boolean; secrets: CiConfig['secrets'] }): CiConfig {
  const runner = typeof merged.runner === 'string' ? merged.runner.split(',') : (merged.runner ?? null);
  return {
    format: (merged.format ?? null) as CiConfig['format'],
    runner,
    schedule: merged.schedule === 'none' ? null : (merged.schedule ?? null),
    manual: merged.manual ?? true,
    secrets: { ...merged.secrets },
  };
}
