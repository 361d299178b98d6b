import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InputError, UsageError } from '../core/errors.ts';
import { parseYamlFile, validate } from '../core/yaml-issues.ts';
import { type Treefile, TreefileSchema } from './schema.ts';
import { SUITES } from './suites.ts';

/** A validated treefile with everything resolved that later stages need. */
export interface ResolvedTreefile {
  file: string;
  ref: string;
  /** Absolute path of the OSTree repo. */
  repo: string;
  suite: string;
  /** Debian release number ("13") or "sid". */
  releasever: string;
  packages: string[];
  kernelArgs: string[];
  raw: Treefile;
}

export function loadTreefile(path: string): ResolvedTreefile {
  const file = resolve(path);
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read treefile ${path}: ${(e as Error).message}`);
  }
  const parsed = parseYamlFile(path, source);
  const { data, issues } = validate(parsed, TreefileSchema);
  if (!data) throw new InputError(issues);
  const suite = data.base.slice('debian:'.length);
  const releasever = SUITES[suite]?.version ?? suite;
  return {
    file,
    ref: data.ostree.ref,
    repo: resolve(dirname(file), data.ostree.repo ?? 'repo'),
    suite,
    releasever,
    packages: data.packages,
    kernelArgs: data['kernel-args'],
    raw: data,
  };
}
