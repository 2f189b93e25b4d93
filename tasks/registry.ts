/**
 * gulp-cli's `--tasks-json` (what WebStorm reads) copies undertaker's task tree, which carries
 * labels only; `--tasks` looks descriptions up itself. This registry adds each task's
 * description and flags to its tree node when the tree is read, so both listings agree.
 */
import DefaultRegistry from 'undertaker-registry';

// undertaker keeps task trees in this WeakMap; gulp and we share the one undertaker copy.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const metadata: WeakMap<object, any> = require('undertaker/lib/helpers/metadata');

export class DescribedRegistry extends DefaultRegistry {
  override tasks(): Record<string, any> {
    const tasks = super.tasks() as Record<string, any>;
    for (const task of Object.values(tasks)) {
      const meta = metadata.get(task);
      const orig = meta?.orig as { description?: string; flags?: Record<string, string> } | undefined;
      if (meta?.tree && orig?.description) {
        meta.tree.description = orig.description;
        if (orig.flags) meta.tree.flags = orig.flags;
      }
    }
    return tasks;
  }
}
