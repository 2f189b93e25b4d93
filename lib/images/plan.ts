/** What `gulp plan` reports: per image, whether it would be built, skipped or fail, and why. */

export type PlanAction = 'build' | 'skip' | 'fail' | 'blocked';

export interface PlanEntry {
  component: string;
  ref: string;
  action: PlanAction;
  reason: string;
}

export interface Plan {
  entries: PlanEntry[];
}

export function formatPlan(plan: Plan): string[] {
  const width = Math.max(0, ...plan.entries.map((e) => e.ref.length));
  const count = (a: PlanAction) => plan.entries.filter((e) => e.action === a).length;
  const tally = [`${count('build')} to build`, `${count('skip')} to skip`];
  if (count('fail')) tally.push(`${count('fail')} would fail`);
  if (count('blocked')) tally.push(`${count('blocked')} blocked`);
  return [
    ...plan.entries.map((e) => `${e.action.padEnd(7)} ${e.ref.padEnd(width)}  ${e.reason}`),
    tally.join(', '),
  ];
}
