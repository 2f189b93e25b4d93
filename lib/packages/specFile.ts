/**
 * A source with "spec" is an rpm source: its spec file must be there (instead of a debian/
 * folder). Read by the source's shape, so sources resolve before the OS family is known.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { GitSource, PathSource } from '../config/types';
import { inputError } from '../errors';
import { quote } from '../text';

/** A source of the rpm family names its spec file, and the file is there. */
export function checkSpec(dir: string, what: string, source: GitSource | PathSource): void {
  if (!source.spec) {
    throw inputError(`${what} has no "spec": the rpm family builds each source from its spec file with rpmbuild -bb`,
      'add "spec": the spec file\'s path inside the source, e.g. "rpm/contrail/contrail.spec"');
  }
  const file = path.join(dir, source.spec);
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
    throw inputError(`${what}: its spec file ${quote(source.spec)} is not in ${dir}`, 'give the spec file\'s path relative to the source folder (or repository)');
  }
}
