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
import { DIALECT_PAIRS, PACKAGE_NAME_RE, type TreefileFile, TreefileFileSchema } from './schema.ts';
import { SUITES } from './suites.ts';

/** The normalized treefile every stage consumes. */
export interface ResolvedTreefile {
  file: string;
  /** Every file read, the top-level one first. */
  files: string[];
  ref: string;
  /** Absolute path of the OSTree repo. */
  repo: string;
  suite: string;
  /** Debian release number ("13") or "sid". */
  releasever: string;
  packages: string[];
  excludePackages: string[];
  recommends: boolean;
  documentation: boolean;
  aptSources: { uris: string[]; suites: string[]; components: string[]; signedBy?: string }[];
  aptReplace: boolean;
  units: string[];
  defaultTarget?: string;
  directories: string[];
  /** [absolute source on the build host, destination in the tree]. */
  addFiles: [string, string][];
  removeFiles: string[];
  postprocess: string[];
  commitMetadata: Record<string, string | number | boolean>;
  versionPrefix: string;
  initramfsArgs: string[];
  machineidCompat: boolean;
  containerCmd?: string[];
  kernelArgs: string[];
}

/** One file's contribution, in the model's terms, before merging. */
type Partial = {
  ref?: string;
  repo?: string;
  base?: string;
  variables: Record<string, string>;
  packages: string[];
  excludePackages: string[];
  recommends?: boolean;
  documentation?: boolean;
  aptSources: ResolvedTreefile['aptSources'];
  aptReplace?: boolean;
  units: string[];
  defaultTarget?: string;
  directories: string[];
  addFiles: [string, string][];
  removeFiles: string[];
  postprocess: string[];
  commitMetadata: Record<string, string | number | boolean>;
  versionPrefix?: string;
  initramfsArgs: string[];
  machineidCompat?: boolean;
  containerCmd?: string[];
  kernelArgs: string[];
};

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
  const at = (key: string, message: string) =>
    issues.push({ file: top, line: 1, col: 1, key, message });
  if (!merged.ref) at('ref', 'missing: set ostree.ref (or ref) here or in an included file');
  if (!merged.base)
    at('base', 'missing: set base (e.g. debian:trixie) here or in an included file');
  if (issues.length) throw new InputError(issues);
  const suite = (merged.base as string).slice('debian:'.length);
  const releasever = SUITES[suite]?.version ?? suite;
  const vars: Record<string, string> = {
    basearch: BASEARCH,
    releasever,
    suite,
    ...merged.variables,
  };
  const sub = (key: string, s: string) =>
    s.replace(/\$\{([^}]*)\}/g, (m, name: string) => {
      if (name in vars) return vars[name] as string;
      at(key, `unknown variable \${${name}} (known: ${Object.keys(vars).join(', ')})`);
      return m;
    });
  const excluded = new Set(merged.excludePackages.map((p) => sub('exclude-packages', p)));
  const tf: ResolvedTreefile = {
    file: resolve(path),
    files,
    ref: sub('ref', merged.ref as string),
    repo: merged.repo ?? resolve(dirname(resolve(path)), 'repo'),
    suite,
    releasever,
    packages: [...new Set(merged.packages.map((p) => sub('packages', p)))].filter(
      (p) => !excluded.has(p),
    ),
    excludePackages: [...excluded],
    recommends: merged.recommends ?? false,
    documentation: merged.documentation ?? true,
    aptSources: merged.aptSources.map((s) => ({
      ...s,
      suites: s.suites.length ? s.suites : [suite],
    })),
    aptReplace: merged.aptReplace ?? false,
    units: [...new Set(merged.units)],
    defaultTarget: merged.defaultTarget,
    directories: merged.directories,
    addFiles: merged.addFiles,
    removeFiles: merged.removeFiles,
    postprocess: merged.postprocess,
    commitMetadata: Object.fromEntries(
      Object.entries(merged.commitMetadata).map(([k, v]) => [
        k,
        typeof v === 'string' ? sub('add-commit-metadata', v) : v,
      ]),
    ),
    versionPrefix: sub('automatic-version-prefix', merged.versionPrefix ?? '${releasever}'),
    initramfsArgs: merged.initramfsArgs,
    machineidCompat: merged.machineidCompat ?? true,
    containerCmd: merged.containerCmd,
    kernelArgs: merged.kernelArgs.map((k) => sub('kernel-args', k)),
  };
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
  const here = toPartial(data, dirname(file));
  const hostPath = (key: PropertyKey[], why: string | undefined) => {
    if (why)
      issues.push({ file: name, ...parsed.positionOf(key), key: keyPath(key), message: why });
  };
  for (const [i, [src]] of here.addFiles.entries()) {
    const key = ['add-files', i, 0];
    hostPath(key, outsideOf(context, src) ?? notARegularFile(src));
  }
  for (const [i, s] of here.aptSources.entries()) {
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

function scripts(s: string | string[] | undefined): string[] {
  return s === undefined ? [] : Array.isArray(s) ? s : [s];
}

function toPartial(d: TreefileFile, dir: string): Partial {
  return {
    ref: d.ostree?.ref ?? d.ref,
    repo: d.ostree?.repo === undefined ? undefined : resolve(dir, d.ostree.repo),
    base: d.base,
    variables: Object.fromEntries(
      Object.entries(d.variables ?? {}).map(([k, v]) => [k, String(v)]),
    ),
    packages: [
      ...(d.packages ?? []),
      ...(d['packages-x86_64'] ?? []),
      ...(d['packages-amd64'] ?? []),
    ],
    excludePackages: d['exclude-packages'] ?? [],
    recommends: d.recommends,
    documentation: d.documentation,
    aptSources: (d.apt?.sources ?? []).map((s) => ({
      uris: Array.isArray(s.uris) ? s.uris : [s.uris],
      suites: s.suites ?? [],
      components: s.components,
      signedBy: s['signed-by'] === undefined ? undefined : resolve(dir, s['signed-by']),
    })),
    aptReplace: d.apt?.replace,
    units: [...(d.system?.services ?? []), ...(d.units ?? [])],
    defaultTarget: d['default-target'],
    directories: d.system?.directories ?? [],
    addFiles: (d['add-files'] ?? []).map(([src, dest]) => [resolve(dir, src), dest]),
    removeFiles: d['remove-files'] ?? [],
    postprocess: [...scripts(d.postinstall), ...scripts(d.postprocess)],
    commitMetadata: d['add-commit-metadata'] ?? {},
    versionPrefix: d['automatic-version-prefix'],
    initramfsArgs: d['initramfs-args'] ?? [],
    machineidCompat: d['machineid-compat'],
    containerCmd: d['container-cmd'],
    kernelArgs: d['kernel-args'] ?? [],
  };
}

/** Lists that are one value (a command line), replaced rather than concatenated. */
const REPLACED_LISTS = new Set(['containerCmd']);

/** `over` (the including file) on top of `under` (what it includes). */
function merge(under: Partial, over: Partial): Partial {
  const out: Record<string, unknown> = { ...under };
  for (const [k, v] of Object.entries(over)) {
    const u = (under as Record<string, unknown>)[k];
    if (v === undefined) continue;
    if (Array.isArray(v) && Array.isArray(u) && !REPLACED_LISTS.has(k)) out[k] = [...u, ...v];
    else if (v && typeof v === 'object' && !Array.isArray(v) && u && typeof u === 'object')
      out[k] = { ...(u as object), ...v };
    else out[k] = v;
  }
  return out as Partial;
}
