/**
 * Turns JSON-schema errors and semantic checks into one message that names the key path, where
 * its value came from (the file, a variable or a flag), and what was expected.
 */
import type Ajv from 'ajv';
import type { ErrorObject } from 'ajv';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inputError, PipelineError } from '../errors';
import { didYouMean, quote } from '../text';
import { PROJECT_ROOT } from './defaults';
import type { Origins } from './types';

export const SCHEMA_PATH = path.join(PROJECT_ROOT, 'config.schema.json');

/** The schema compiled ahead by scripts/compile.js (ajv's standalone code), with the schema's sha256. */
export const PRECOMPILED_PATH = path.join(PROJECT_ROOT, 'dist', 'configSchema.js');

type Schema = Record<string, any>;
type Validate = ReturnType<Ajv['compile']>;
let compiled: { schema: Schema; validate: Validate } | undefined;

function schemaValidator() {
  if (!compiled) {
    const bytes = fs.readFileSync(SCHEMA_PATH);
    const schema = JSON.parse(bytes.toString('utf8')) as Schema;
    compiled = { schema, validate: precompiledValidator(bytes) ?? compileSchema(schema) };
  }
  return compiled;
}

/**
 * The validator compiled at install, when it was made from these very schema bytes: it spares
 * loading ajv's compiler at every start. Missing or made from another schema: none.
 */
export function precompiledValidator(schemaBytes: Buffer, file = PRECOMPILED_PATH): Validate | undefined {
  let mod: { default?: Validate; schemaSha256?: string };
  try {
    mod = require(file);
  } catch {
    return undefined;
  }
  const sha = createHash('sha256').update(schemaBytes).digest('hex');
  return mod.schemaSha256 === sha && typeof mod.default === 'function' ? mod.default : undefined;
}

function compileSchema(schema: Schema): Validate {
  // loaded only here: ajv's compiler is most of what validating costs
  const { default: AjvClass }: typeof import('ajv') = require('ajv');
  return new AjvClass({ allErrors: false, strict: true, allowUnionTypes: true }).compile(schema);
}

/** `/repo/port` -> `repo.port`; `/packages/build/sources/0/ref` -> `packages.build.sources[0].ref` */
export function keyPath(parts: string[]): string {
  return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

const pointerParts = (pointer: string) =>
  pointer === '' ? [] : pointer.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));

/** The origin of the value at `parts`, or of its nearest parent. */
export function originOf(origins: Origins, parts: string[]): string {
  for (let n = parts.length; n >= 0; n--) {
    const o = origins.get(parts.slice(0, n).join('.'));
    if (o) return o;
  }
  return 'built-in default';
}

function schemaAt(schema: Schema, parts: string[]): Schema | undefined {
  let s: Schema | undefined = schema;
  for (const p of parts) {
    if (!s) return undefined;
    if (s.properties?.[p]) s = s.properties[p];
    else if (/^\d+$/.test(p) && s.items) s = s.items;
    else if (typeof s.additionalProperties === 'object') s = s.additionalProperties;
    else return undefined;
  }
  return s;
}

function valueAt(data: unknown, parts: string[]): unknown {
  return parts.reduce<any>((v, p) => (v == null ? undefined : v[p]), data);
}

const withOrigin = (where: string, origin: string) =>
  origin.startsWith('environment variable') || origin.startsWith('flag') ? `${origin} (${where})` : `${where} (in ${origin})`;

function describe(error: ErrorObject, data: unknown, origins: Origins, schema: Schema): PipelineError {
  const parts = pointerParts(error.instancePath);
  const where = keyPath(parts) || 'the config';
  const origin = originOf(origins, parts);
  const value = valueAt(data, parts);
  const here = schemaAt(schema, parts);
  switch (error.keyword) {
    case 'required': {
      const missing = (error.params as { missingProperty: string }).missingProperty;
      const full = keyPath([...parts, missing]);
      const hint =
        full === 'version'
          ? 'set "version" in the config file, CONTRAIL_VERSION=4.0.0.0-20, or --contrail-version 4.0.0.0-20'
          : `add "${missing}" to ${where}`;
      return inputError(`${full} is required but not set`, hint);
    }
    case 'additionalProperties': {
      const extra = (error.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys(here?.properties ?? {});
      const guess = didYouMean(extra, known);
      return inputError(
        `unknown key ${keyPath([...parts, extra])} in ${origin}`,
        guess ? `did you mean "${guess}"? (${SCHEMA_PATH} lists every key)` : `known keys here: ${known.join(', ')}`,
      );
    }
    case 'type': {
      const expected = String((error.params as { type: string | string[] }).type).replace(',', ' or ');
      return inputError(`${withOrigin(where, origin)} must be ${article(expected)}, got ${quote(value)}`);
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const p = error.params as { comparison: string; limit: number };
      const range = here && 'minimum' in here && 'maximum' in here ? ` (from ${here.minimum} to ${here.maximum})` : '';
      return inputError(`${withOrigin(where, origin)} must be ${p.comparison} ${p.limit}${range}, got ${quote(value)}`);
    }
    case 'minLength':
      return inputError(`${withOrigin(where, origin)} must not be empty`);
    case 'pattern': {
      const named = (error as ErrorObject & { propertyName?: string }).propertyName;
      if (named !== undefined) {
        return inputError(`${where}: ${quote(named)} is not a valid name (in ${origin})`,
          'image names use lower-case letters, digits and "-", e.g. "kube-manager"');
      }
      const expected = here?.description ?? `text matching ${(error.params as { pattern: string }).pattern}`;
      return inputError(`${withOrigin(where, origin)} must be ${expected}; got ${quote(value)}`);
    }
    default:
      return inputError(`${withOrigin(where, origin)} ${error.message ?? 'is not valid'}; got ${quote(value)}`);
  }
}

const article = (t: string) => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`);

/** Throws the first schema violation as one input error. */
export function validateAgainstSchema(data: unknown, origins: Origins): void {
  const { schema, validate } = schemaValidator();
  if (validate(data)) return;
  const errors = validate.errors ?? [];
  // propertyNames reports the pattern failure first, with the offending name
  throw describe(errors[0], data, origins, schema);
}
