/**
 * The control file mk-build-deps installs a recipe's Build-Depends from: the source stanza's
 * build dependencies with versions and alternatives kept, and what is not a package relation
 * dropped (contrail's control carries a `BUILDDEP_SERIES` placeholder that packages.make fills
 * in later). Pure.
 */
import { parseControl } from './control';

const PACKAGE = /^[a-z0-9][a-z0-9.+-]+(:[a-z0-9-]+)?(\s*\([^)]*\))?(\s*\[[^\]]*\])?(\s*<[^>]*>)*$/;

/** A relation is kept when each alternative names a package. */
const isRelation = (r: string): boolean => r.split('|').every((alt) => PACKAGE.test(alt.trim()));

export function buildDepsControl(text: string, name: string): { control: string; dropped: string[] } {
  const source = parseControl(text)[0] ?? {};
  const dropped: string[] = [];
  const fields: string[] = [];
  for (const field of ['Build-Depends', 'Build-Depends-Indep', 'Build-Depends-Arch']) {
    const value = source[field.toLowerCase()];
    if (!value) continue;
    const kept = value.split(',').map((r) => r.trim()).filter((r) => {
      if (r === '') return false;
      if (isRelation(r)) return true;
      dropped.push(r);
      return false;
    });
    if (kept.length) fields.push(`${field}: ${kept.join(', ')}`);
  }
  const control = [
    `Source: ${name}`, 'Maintainer: contrail-docker <build@localhost>', ...fields, '',
    `Package: ${name}`, 'Architecture: all', 'Description: build dependencies', '',
  ].join('\n');
  return { control, dropped };
}
