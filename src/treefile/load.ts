/**
 * Load a treefile: parse and validate each file (with positions), follow `include`s (paths
 * relative to the including file; a missing file or a cycle is an error naming the chain),
 * keep every host path it names inside the treefile context (context.ts),
 * map both dialects onto one model, merge (the including file's scalars override, lists
 * concatenate, maps merge), substitute ${variables}, and check what must be there.
 */
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { InputError, type InputIssue, UsageError } from '../core/errors.ts';
import { keyPath, parseYamlFile, validate } from '../core/yaml-issues.ts';
import { isValidRef } from '../ostree/repo.ts';
import { defaultContext, HOST_KEYRING_DIRS, notARegularFile, outsideOf } from './context.ts';
import {
  finishSettings,
  type MergedTreefile,
  mergeSettings,
  type ResolvedTreefile,
  readSettings,
} from './model.ts';
import { DIALECT_PAIRS, PACKAGE_NAME_RE, type TreefileFile, TreefileFileSchema } from './schema.ts';
import { SUITES } from './suites.ts';

export type { ResolvedTreefile };

/** One file's contribution before merging: its settings and its variables. */
type Partial = MergedTreefile & { variables: Record<string, string> };

export const BASEARCH = 'x86_64';

export interface LoadOptions {
  /** Host directories the treefile may read from and put its repo in (default: context.ts). */
  context?: string[];
}

export function loadTreefile(path: string, o: LoadOptions = {}): ResolvedTreefile {
  const issues: InputIssue[] = [];
  const files: string[] = [];
  const context = o.context ?? defaultContext(path);
  const merged = loadFile(resolve(path), [], issues, files, context);
  if (issues.length || !merged) throw new InputError(issues);
  const top = displayName(resolve(path));
  const at = (key: string, message: string) => {
    if (!issues.some((i) => i.key === key && i.message === message))
      issues.push({ file: top, line: 1, col: 1, key, message });
  };
  if (!merged.ref) at('ref', 'missing: set ostree.ref (or ref) here or in an included file');
  if (!merged.suite)
    at('base', 'missing: set base (e.g. debian:trixie) here or in an included file');
  if (issues.length) throw new InputError(issues);
  const suite = merged.suite as string;
  const vars: Record<string, string> = {
    basearch: BASEARCH,
    releasever: SUITES[suite]?.version ?? suite,
    suite,
    ...merged.variables,
  };
  const sub = (key: string, s: string) =>
    s.replace(/\$\{([^}]*)\}/g, (m, name: string) => {
      if (name in vars) return vars[name] as string;
      at(key, `unknown variable \${${name}} (known: ${Object.keys(vars).join(', ')})`);
      return m;
    });
  const tf = finishSettings(merged, { top: resolve(path), files, sub });
  if (!isValidRef(tf.ref)) {
    at('ref', `"${tf.ref}" is not a valid OSTree ref after substitution`);
  }
  // Substituted values are checked again: they land in apt preferences and kargs.d.
  for (const [key, names] of [
    ['packages', tf.packages],
    ['exclude-packages', tf.excludePackages],
  ] as const)
    for (const p of names)
      if (!PACKAGE_NAME_RE.test(p))
        at(key, `"${p}" is not a valid Debian package name after substitution`);
  if (!/^[0-9A-Za-z._-]+$/.test(tf.versionPrefix))
    at(
      'automatic-version-prefix',
      `"${tf.versionPrefix}" is not a valid version prefix after substitution`,
    );
  if (issues.length) throw new InputError(issues);
  return tf;
}

function displayName(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

function loadFile(
  file: string,
  chain: string[],
  issues: InputIssue[],
  files: string[],
  context: readonly string[],
): Partial | undefined {
  const name = displayName(file);
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (e) {
    if (chain.length === 0)
      throw new UsageError(`cannot read treefile ${name}: ${(e as Error).message}`);
    throw e;
  }
  files.push(file);
  const parsed = parseYamlFile(name, source);
  const { data, issues: own } = validate(parsed, TreefileFileSchema);
  issues.push(...own);
  if (!data) return undefined;
  for (const [seed, rpm] of DIALECT_PAIRS) {
    if (getPath(data, seed) !== undefined && data[rpm as keyof TreefileFile] !== undefined) {
      issues.push({
        file: name,
        ...parsed.positionOf([rpm], true),
        key: rpm,
        message: `both ${seed.join('.')} and ${rpm} are set: they are the same setting, keep one`,
      });
    }
  }
  const here: Partial = {
    ...readSettings(data, dirname(file)),
    variables: Object.fromEntries(
      Object.entries(data.variables ?? {}).map(([k, v]) => [k, String(v)]),
    ),
  };
  const hostPath = (key: PropertyKey[], why: string | undefined) => {
    if (why)
      issues.push({ file: name, ...parsed.positionOf(key), key: keyPath(key), message: why });
  };
  for (const [i, [src]] of (here.addFiles ?? []).entries()) {
    const key = ['add-files', i, 0];
    hostPath(key, outsideOf(context, src) ?? notARegularFile(src));
  }
  for (const [i, s] of (here.aptSources ?? []).entries()) {
    if (s.signedBy && outsideOf(HOST_KEYRING_DIRS, s.signedBy))
      hostPath(['apt', 'sources', i, 'signed-by'], outsideOf(context, s.signedBy));
  }
  if (here.repo) hostPath(['ostree', 'repo'], outsideOf(context, here.repo));
  const includes =
    data.include === undefined ? [] : Array.isArray(data.include) ? data.include : [data.include];
  let base: Partial | undefined;
  for (const [i, inc] of includes.entries()) {
    const target = resolve(dirname(file), inc);
    const pos = parsed.positionOf(Array.isArray(data.include) ? ['include', i] : ['include']);
    const trail = [...chain, file, target].map(displayName).join(' → ');
    if ([...chain, file].includes(target)) {
      issues.push({ file: name, ...pos, key: 'include', message: `include cycle: ${trail}` });
      continue;
    }
    const outside = outsideOf(context, target);
    if (outside) {
      issues.push({ file: name, ...pos, key: 'include', message: `${inc}: ${outside}` });
      continue;
    }
    let sub: Partial | undefined;
    try {
      sub = loadFile(target, [...chain, file], issues, files, context);
    } catch (e) {
      issues.push({
        file: name,
        ...pos,
        key: 'include',
        message: `cannot read ${inc} (${trail}): ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      });
      continue;
    }
    if (sub) base = base ? merge(base, sub) : sub;
  }
  return base ? merge(base, here) : here;
}

function getPath(o: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>(
    (v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined),
    o,
  );
}

function merge(under: Partial, over: Partial): Partial {
  return {
    ...mergeSettings(under, over),
    variables: { ...under.variables, ...over.variables },
  };
}
