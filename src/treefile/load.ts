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
import { keyPath, type ParsedYaml, parseYamlFile, validate } from '../core/yaml-issues.ts';
import { isValidRef } from '../ostree/repo.ts';
import { defaultContext, HOST_KEYRING_DIRS, notARegularFile, outsideOf } from './context.ts';
import {
  customComponents,
  finishSettings,
  type MergedTreefile,
  mergeSettings,
  type ResolvedTreefile,
  readSettings,
} from './model.ts';
import {
  DATE_PLACEHOLDER,
  DIALECT_PAIRS,
  INAPPLICABLE_KEYS,
  PACKAGE_NAME_RE,
  type TreefileFile,
  type TreefileFileAsWritten,
  TreefileFileSchema,
  UNDERSCORE_ALIASES,
} from './schema.ts';
import { SUITES } from './suites.ts';

export type { ResolvedTreefile };

/** One file's contribution before merging: its settings and its variables. */
type Partial = MergedTreefile & { variables: Record<string, string> };

/** What loading every file of one treefile collects. */
interface Loading {
  issues: InputIssue[];
  warnings: InputIssue[];
  /** Every file read, in the order read. */
  files: string[];
  context: readonly string[];
  /**
   * Host paths that are missing, not regular files or outside the context: reported with the
   * checks of the merged treefile, which they do not stop (one run reports everything).
   */
  pathIssues: InputIssue[];
  /** Every package name a file lists or excludes, where (checked once all are merged). */
  mentions: PackageMention[];
}

/** One package name as written in `packages…` or `exclude-packages`, located. */
interface PackageMention {
  /** Before ${variable} substitution. */
  name: string;
  excluded: boolean;
  at: InputIssue;
}

export const BASEARCH = 'x86_64';

export interface LoadOptions {
  /** Host directories the treefile may read from and put its repo in (default: context.ts). */
  context?: string[];
  /**
   * Packages the consumer of the treefile cannot do without, each with the reason (compose:
   * the kernel, systemd, ostree, dracut it adds for `base`). Excluding one is an error.
   */
  needed?: (tf: ResolvedTreefile) => Readonly<Record<string, string>>;
}

/**
 * Load, merge and check a treefile and everything it includes. Every problem of every file is
 * collected and thrown together as one InputError; warnings travel in the result.
 */
export function loadTreefile(path: string, o: LoadOptions = {}): ResolvedTreefile {
  const l: Loading = {
    issues: [],
    warnings: [],
    files: [],
    context: o.context ?? defaultContext(path),
    pathIssues: [],
    mentions: [],
  };
  const issues = l.issues;
  const merged = loadFile(resolve(path), [], l);
  if (issues.length || !merged) throw new InputError([...issues, ...l.pathIssues], l.warnings);
  const top = displayName(resolve(path));
  const at = (key: string, message: string) => {
    if (!issues.some((i) => i.key === key && i.message === message))
      issues.push({ file: top, line: 1, col: 1, key, message });
  };
  if (!merged.ref) at('ref', 'missing: set ostree.ref (or ref) here or in an included file');
  if (!merged.suite)
    at('base', 'missing: set base (e.g. debian:trixie) here or in an included file');
  if (issues.length) throw new InputError([...issues, ...l.pathIssues], l.warnings);
  issues.push(...l.pathIssues);
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
  const tf = finishSettings(merged, {
    top: resolve(path),
    files: l.files,
    sub,
    warnings: l.warnings,
  });
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
  if (tf.aptReplace && customComponents(tf.aptComponents))
    at(
      'apt.components',
      'apt.components sets the default archive’s components, and apt.replace: true (here or in an included file) drops that archive; set components on each source instead',
    );
  issues.push(...excludedButListed(l.mentions, sub), ...excludedButNeeded(l.mentions, sub, o, tf));
  if (!VERSION_PREFIX_AFTER_SUBSTITUTION.test(tf.versionPrefix))
    at(
      'automatic-version-prefix',
      `"${tf.versionPrefix}" is not a valid version prefix after substitution`,
    );
  if (issues.length) throw new InputError(issues, l.warnings);
  return tf;
}

/**
 * A package both listed and excluded: apt cannot install it, so the compose could never
 * succeed. One issue at each exclusion, naming every place that lists it.
 */
function excludedButListed(mentions: PackageMention[], sub: Substitute): InputIssue[] {
  const listed = new Map<string, InputIssue[]>();
  for (const m of mentions.filter((x) => !x.excluded)) {
    const name = sub('packages', m.name);
    listed.set(name, [...(listed.get(name) ?? []), m.at]);
  }
  return mentions.flatMap((m) => {
    const name = sub('exclude-packages', m.name);
    const where = listed.get(name);
    if (!m.excluded || !where) return [];
    const places = where.map((w) => `${w.file}:${w.line}:${w.col} (${w.key})`).join(', ');
    return [{ ...m.at, message: `${name} is excluded here and listed in ${places}; keep one` }];
  });
}

/** Excluding what the consumer needs (LoadOptions.needed): the compose could never succeed. */
function excludedButNeeded(
  mentions: PackageMention[],
  sub: Substitute,
  o: LoadOptions,
  tf: ResolvedTreefile,
): InputIssue[] {
  const needed = o.needed?.(tf) ?? {};
  return mentions.flatMap((m) => {
    const name = sub('exclude-packages', m.name);
    const why = m.excluded && Object.hasOwn(needed, name) ? needed[name] : undefined;
    return why ? [{ ...m.at, message: `${name} cannot be excluded: ${why}` }] : [];
  });
}

/** ${variable} substitution, reporting an unknown variable against `key`. */
type Substitute = (key: string, s: string) => string;

/** The version prefix once ${variables} are gone: only <date:…> is still expanded later. */
const VERSION_PREFIX_AFTER_SUBSTITUTION = new RegExp(`^(?:[0-9A-Za-z._-]|${DATE_PLACEHOLDER})+$`);

function displayName(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

/**
 * Read, validate and map one file, then the files it includes. A file with errors still has
 * its includes read (when `include` itself is valid), so one run reports every file's errors.
 */
function loadFile(file: string, chain: string[], l: Loading): Partial | undefined {
  const name = displayName(file);
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (e) {
    if (chain.length === 0)
      throw new UsageError(`cannot read treefile ${name}: ${(e as Error).message}`);
    throw e;
  }
  l.files.push(file);
  const parsed = parseYamlFile(name, source);
  const { data: written, issues: own } = validate(parsed, TreefileFileSchema);
  l.issues.push(...own);
  l.warnings.push(...inapplicableKeys(parsed));
  if (!written) {
    const include = TreefileFileSchema.shape.include.safeParse(
      (parsed.value as Record<string, unknown> | undefined)?.include,
    );
    if (include.success) loadIncludes(file, parsed, include.data, chain, l);
    return undefined;
  }
  const data = canonicalKeys(parsed, written, l.issues);
  for (const [seed, rpm] of DIALECT_PAIRS) {
    if (getPath(data, seed) !== undefined && data[rpm as keyof TreefileFile] !== undefined) {
      l.issues.push({
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
  checkHostPaths(parsed, here, written, l);
  l.mentions.push(...packageMentions(parsed, written));
  const base = loadIncludes(file, parsed, data.include, chain, l);
  return base ? merge(base, here) : here;
}

/** Host paths a file names must stay inside the treefile context (context.ts). */
function checkHostPaths(
  parsed: ParsedYaml,
  here: Partial,
  written: TreefileFileAsWritten,
  l: Loading,
): void {
  const hostPath = (key: PropertyKey[], why: string | undefined) => {
    if (why)
      l.pathIssues.push({
        file: parsed.file,
        ...parsed.positionOf(key),
        key: keyPath(key),
        message: why,
      });
  };
  const addFilesKey = written['add-files'] === undefined ? 'add_files' : 'add-files';
  for (const [i, [src]] of (here.addFiles ?? []).entries()) {
    hostPath([addFilesKey, i, 0], outsideOf(l.context, src) ?? notARegularFile(src));
  }
  for (const [i, s] of (here.aptSources ?? []).entries()) {
    if (!s.signedBy) continue;
    // Existence is asked only once the path is known to be inside: nothing probes the host.
    const outside = outsideOf(HOST_KEYRING_DIRS, s.signedBy) && outsideOf(l.context, s.signedBy);
    hostPath(['apt', 'sources', i, 'signed-by'], outside ?? notARegularFile(s.signedBy));
  }
  if (here.repo) hostPath(['ostree', 'repo'], outsideOf(l.context, here.repo));
}

/** The keys whose entries are package names; `exclude-packages` is the one that excludes. */
const PACKAGE_KEYS = ['packages', 'packages-x86_64', 'packages-amd64', 'exclude-packages'];

/** Each package name of one file's package lists, located at its entry (as written). */
function packageMentions(parsed: ParsedYaml, written: TreefileFileAsWritten): PackageMention[] {
  return Object.entries(written).flatMap(([k, v]) => {
    const key = UNDERSCORE_ALIASES[k] ?? k;
    if (!PACKAGE_KEYS.includes(key) || !Array.isArray(v)) return [];
    return (v as string[]).flatMap((entry, i) =>
      entry
        .split(/\s+/)
        .filter(Boolean)
        .map((name) => ({
          name,
          excluded: key === 'exclude-packages',
          at: {
            file: parsed.file,
            ...parsed.positionOf([k, i]),
            key: `${k}[${i}]`,
            message: '',
          },
        })),
    );
  });
}

/** Load the files `include` names (relative to `file`), merged in order. */
function loadIncludes(
  file: string,
  parsed: ParsedYaml,
  include: string | string[] | undefined,
  chain: string[],
  l: Loading,
): Partial | undefined {
  const includes = include === undefined ? [] : Array.isArray(include) ? include : [include];
  let base: Partial | undefined;
  for (const [i, inc] of includes.entries()) {
    const target = resolve(dirname(file), inc);
    const pos = parsed.positionOf(Array.isArray(include) ? ['include', i] : ['include']);
    const at = (message: string) =>
      l.issues.push({ file: parsed.file, ...pos, key: 'include', message });
    const trail = [...chain, file, target].map(displayName).join(' → ');
    if ([...chain, file].includes(target)) {
      at(`include cycle: ${trail}`);
      continue;
    }
    const outside = outsideOf(l.context, target);
    if (outside) {
      at(`${inc}: ${outside}`);
      continue;
    }
    let sub: Partial | undefined;
    try {
      sub = loadFile(target, [...chain, file], l);
    } catch (e) {
      at(
        `cannot read ${inc} (${trail}): ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
      continue;
    }
    if (sub) base = base ? merge(base, sub) : sub;
  }
  return base;
}

/** A warning for each rpm-ostree key that means nothing here, naming it as written and why. */
function inapplicableKeys(parsed: ParsedYaml): InputIssue[] {
  const value = parsed.value;
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.keys(value)
    .filter((k) => (UNDERSCORE_ALIASES[k] ?? k) in INAPPLICABLE_KEYS)
    .map((k) => ({
      file: parsed.file,
      ...parsed.positionOf([k], true),
      key: k,
      message: `ignored: ${INAPPLICABLE_KEYS[UNDERSCORE_ALIASES[k] ?? k]}`,
    }));
}

/**
 * The file with every key in its documented spelling: underscore aliases renamed (both
 * spellings set is an error: which one would win?), ignored rpm-ostree keys dropped (they were
 * warned about).
 */
function canonicalKeys(
  parsed: ParsedYaml,
  written: TreefileFileAsWritten,
  issues: InputIssue[],
): TreefileFile {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(written)) {
    const key = UNDERSCORE_ALIASES[k] ?? k;
    if (v === undefined || key in INAPPLICABLE_KEYS) continue;
    if (key !== k && key in written) {
      issues.push({
        file: parsed.file,
        ...parsed.positionOf([k], true),
        key: k,
        message: `both ${k} and ${key} are set: they are the same setting, keep one`,
      });
      continue;
    }
    out[key] = v;
  }
  return out as TreefileFile;
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
