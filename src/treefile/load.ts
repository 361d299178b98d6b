/**
 * Load a treefile: parse and validate each file (with positions), follow `include`s, then the
 * `arch-include` of the build's architecture, then the `conditional-include`s whose conditions
 * hold (paths relative to the including file; a missing file or a cycle is an error naming the
 * chain; a file reached a second time is merged only where it was first reached),
 * keep every host path it names inside the treefile context (context.ts),
 * map both dialects onto one model, merge (the including file's scalars override, lists
 * concatenate, maps merge), substitute ${variables}, and check what must be there.
 */
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { InputError, type InputIssue, UsageError } from '../core/errors.ts';
import { hasControl } from '../core/values.ts';
import { keyPath, type ParsedYaml, parseYamlFile, validate } from '../core/yaml-issues.ts';
import { isValidRef } from '../ostree/repo.ts';
import { type Condition, evaluateCondition, parseCondition, type VarValue } from './conditions.ts';
import {
  defaultContext,
  HOST_KEYRING_DIRS,
  notARegularFile,
  outsideOf,
  readContextText,
  realLocation,
} from './context.ts';
import {
  customComponents,
  finishSettings,
  type MergedTreefile,
  mergeSettings,
  packageEntryNames,
  type ResolvedTreefile,
  readSettings,
  suiteOf,
} from './model.ts';
import {
  isKernelImage,
  isQualified,
  KERNEL_FLAVOURS,
  kernelPackage,
  PACKAGE_NAME_RE,
  packageName,
  packageSpecProblem,
  splitPackageSpec,
} from './packages.ts';
import {
  BUILD_ARCHES,
  DATE_PLACEHOLDER,
  DIALECT_PAIRS,
  INAPPLICABLE_KEYS,
  refusedReason,
  type TreefileFile,
  type TreefileFileAsWritten,
  TreefileFileSchema,
  UNDERSCORE_ALIASES,
} from './schema.ts';
import { interpreterIssues, parseShebang, type ScriptSite, shebangProblem } from './scripts.ts';
import { defaultArchiveSuites, SUITES } from './suites.ts';

export type { ResolvedTreefile };

/** One file's contribution before merging: its settings and its variables. */
type Partial = MergedTreefile & { variables: Record<string, string> };

/** What loading every file of one treefile collects. */
interface Loading {
  issues: InputIssue[];
  warnings: InputIssue[];
  /** Every file read, in the order read. */
  files: string[];
  /** The real path of every file read: one reached again is not merged again. */
  seen: Set<string>;
  context: readonly string[];
  /**
   * Host paths that are missing, not regular files or outside the context: reported with the
   * checks of the merged treefile, which they do not stop (one run reports everything).
   */
  pathIssues: InputIssue[];
  /** Every package name a file lists or excludes, where (checked once all are merged). */
  mentions: PackageMention[];
  /** Every postprocess script, where, with its #! line (checked once all are merged). */
  scriptSites: ScriptSite[];
  /** Where the first postprocess-script was set: a second one is an error naming both. */
  postprocessScriptAt?: Omit<InputIssue, 'message'>;
  /**
   * Top-level keys (documented spelling) that failed their schema in some file and so are
   * missing from the merged treefile; `*` when a whole file is missing (it did not parse, or an
   * include could not be read). Checks whose answer a missing key could change are skipped.
   */
  failed: Set<string>;
}

/** One package as written in `packages…` (maybe with =VERSION or /SUITE) or `exclude-packages`, located. */
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
  /**
   * Packages the consumer installs whatever the treefile lists (compose: the boot set and the
   * Essential packages). With it, each postprocess script's #! interpreter must come with one
   * of these or of the treefile's packages (scripts.ts); without it, that is not checked.
   */
  provided?: (tf: ResolvedTreefile) => readonly string[];
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
    seen: new Set(),
    context: o.context ?? defaultContext(path),
    pathIssues: [],
    mentions: [],
    scriptSites: [],
    failed: new Set(),
  };
  const issues = l.issues;
  const merged = loadFile(resolve(path), [], l, { vars: {} });
  const fail = (all: InputIssue[]) => new InputError(inFileOrder(all, l.files), l.warnings);
  if (!merged) throw fail([...issues, ...l.pathIssues]);
  const top = displayName(resolve(path));
  const at = (key: string, message: string) => {
    if (!issues.some((i) => i.key === key && i.message === message))
      issues.push({ file: top, line: 1, col: 1, key, message });
  };
  // With errors in the files, a missing ref or base may be one that failed its schema or sits
  // in a file that could not be read: said only of files without errors.
  if (!issues.length) {
    if (!merged.ref) at('ref', 'missing: set ostree.ref (or ref) here or in an included file');
    if (!merged.suite)
      at('base', 'missing: set base (e.g. debian:trixie) here or in an included file');
  }
  // The checks below need both; with both, they run despite errors in the files, on the keys
  // that passed their schema, so one run reports everything.
  if (!merged.ref || !merged.suite) throw fail([...issues, ...l.pathIssues]);
  issues.push(...l.pathIssues);
  /** No file is missing and none of `keys` failed its schema: a check on them is sound. */
  const sure = (...keys: string[]) => !l.failed.has('*') && keys.every((k) => !l.failed.has(k));
  const packageKeys = ['packages', 'packages-x86_64', 'packages-amd64', 'exclude-packages'];
  // With variables missing, an unknown one may be one of them: not reported, and values that
  // still hold a ${…} are not checked.
  const varsSure = sure('variables');
  const unresolved = (s: string) => !varsSure && /\$\{[^}]*\}/.test(s);
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
      if (varsSure)
        at(key, `unknown variable \${${name}} (known: ${Object.keys(vars).join(', ')})`);
      return m;
    });
  const tf = finishSettings(merged, {
    top: resolve(path),
    files: l.files,
    sub,
    warnings: l.warnings,
    scriptSites: l.scriptSites,
  });
  if (!isValidRef(tf.ref) && !unresolved(tf.ref)) {
    at('ref', `"${tf.ref}" is not a valid OSTree ref after substitution`);
  }
  // Substituted values are checked again: they land in apt's arguments and preferences.
  for (const p of tf.packages) {
    const problem = unresolved(p) ? undefined : packageSpecProblem(p);
    if (problem) at('packages', `${problem} (after substitution)`);
  }
  for (const p of tf.excludePackages)
    if (!PACKAGE_NAME_RE.test(p) && !unresolved(p))
      at('exclude-packages', `"${p}" is not a valid Debian package name after substitution`);
  if (tf.kernelFlavour && !SUITES[suite]?.kernels.includes(tf.kernelFlavour))
    at(
      'kernel-flavour',
      `Debian ${suite} has no ${kernelPackage(tf.kernelFlavour)}; flavours there: ${['default', ...(SUITES[suite]?.kernels ?? [])].join(', ')}`,
    );
  if (tf.aptReplace && customComponents(tf.aptComponents))
    at(
      'apt.components',
      'apt.components sets the default archive’s components, and apt.replace: true (here or in an included file) drops that archive; set components on each source instead',
    );
  const mentions = l.mentions.filter((m) => !unresolved(m.name));
  issues.push(
    ...excludedButListed(mentions, sub),
    ...(sure('kernel-flavour', 'particle-os-client', 'locales', ...packageKeys)
      ? excludedButNeeded(mentions, sub, o, tf)
      : []),
    ...listedTwice(mentions, sub),
    ...(sure('apt') ? suitesWithoutSource(mentions, sub, tf) : []),
    ...(sure('kernel-flavour') ? secondKernels(mentions, sub, tf) : []),
  );
  // It is written into os-release (quoted there, compose/os-release.ts): one line, always.
  if (tf.mutateOsRelease !== undefined && hasControl(tf.mutateOsRelease))
    at(
      'mutate-os-release',
      'must not contain line breaks or control characters after substitution',
    );
  if (!VERSION_PREFIX_AFTER_SUBSTITUTION.test(tf.versionPrefix) && !unresolved(tf.versionPrefix))
    at(
      'automatic-version-prefix',
      `"${tf.versionPrefix}" is not a valid version prefix after substitution`,
    );
  if (o.provided && sure('kernel-flavour', 'particle-os-client', ...packageKeys)) {
    // Without resolving, an interpreter whose packages are all excluded can never be there (an
    // error); one that is neither listed nor in the base may still come as a dependency, so it
    // is a warning here and the compose (dry run included) decides on the resolved set.
    const excluded = new Set(tf.excludePackages);
    const check = interpreterIssues(
      tf.scriptSites,
      new Set([...tf.packages, ...o.provided(tf)].map(packageName).filter((p) => !excluded.has(p))),
      'listed in packages or installed by the base (a dependency may still bring one in: the compose checks the resolved set)',
      undefined,
      excluded,
    );
    issues.push(...check.errors);
    l.warnings.push(...check.warnings);
  }
  if (issues.length) throw fail(issues);
  return tf;
}

/**
 * Issues in file order: the files in the order read, each by line and column (a stable sort, so
 * issues at one place keep the order they were found in).
 */
function inFileOrder(issues: InputIssue[], files: string[]): InputIssue[] {
  const rank = new Map(files.map((f, i) => [displayName(f), i]));
  const of = (i: InputIssue) => rank.get(i.file) ?? files.length;
  return [...issues].sort((a, b) => of(a) - of(b) || a.line - b.line || a.col - b.col);
}

/**
 * A package both listed and excluded: apt cannot install it, so the compose could never
 * succeed. One issue at each exclusion, naming every place that lists it.
 */
function excludedButListed(mentions: PackageMention[], sub: Substitute): InputIssue[] {
  const listed = new Map<string, InputIssue[]>();
  for (const m of mentions.filter((x) => !x.excluded)) {
    const name = packageName(sub('packages', m.name));
    listed.set(name, [...(listed.get(name) ?? []), m.at]);
  }
  return mentions.flatMap((m) => {
    const name = sub('exclude-packages', m.name);
    const where = listed.get(name);
    if (!m.excluded || !where) return [];
    const places = where.map(place).join(', ');
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

/** Where one mention is, for a message naming it: `file:line:col (key)`. */
const place = (at: InputIssue) => `${at.file}:${at.line}:${at.col} (${at.key})`;

/** The listed (not excluded) mentions, substituted, with their package's name. */
function listedSpecs(mentions: PackageMention[], sub: Substitute) {
  return mentions
    .filter((m) => !m.excluded)
    .map((m) => {
      const spec = sub('packages', m.name);
      return { spec, name: packageName(spec), at: m.at };
    });
}

/**
 * One package with two different versions or suites (`foo=1` here, `foo/bookworm-backports`
 * there): apt would take one of them silently. A bare name beside one of them is fine (the
 * model keeps the qualified one). One issue at each later place, naming the first.
 */
function listedTwice(mentions: PackageMention[], sub: Substitute): InputIssue[] {
  const first = new Map<string, { spec: string; at: InputIssue }>();
  return listedSpecs(mentions, sub).flatMap((m) => {
    if (!isQualified(m.spec)) return [];
    const had = first.get(m.name);
    if (!had) {
      first.set(m.name, m);
      return [];
    }
    if (had.spec === m.spec) return [];
    return [
      {
        ...m.at,
        message: `${m.spec} here and ${had.spec} in ${place(had.at)}: one version or suite per package; keep one`,
      },
    ];
  });
}

/**
 * `name/SUITE` for a suite no apt source of the treefile provides: apt would stop with "Release
 * 'SUITE' for 'name' was not found" at compose time; said here, with the source to add.
 */
function suitesWithoutSource(
  mentions: PackageMention[],
  sub: Substitute,
  tf: ResolvedTreefile,
): InputIssue[] {
  const provided = configuredSuites(tf);
  const have = [
    tf.aptReplace
      ? 'no default archive (apt.replace: true)'
      : `the default archive has ${defaultArchiveSuites(tf.suite).join(', ')}`,
    tf.aptSources.length
      ? `apt.sources have ${[...new Set(tf.aptSources.flatMap((s) => s.suites))].join(', ')}`
      : 'apt.sources: none',
  ].join('; ');
  return listedSpecs(mentions, sub).flatMap((m) => {
    const suite = splitPackageSpec(m.spec).suite;
    if (suite === undefined || provided.includes(suite) || packageSpecProblem(m.spec)) return [];
    const where = suite.endsWith('-backports')
      ? 'a Debian mirror: backports are part of the Debian archive'
      : 'the archive that has it';
    return [
      {
        ...m.at,
        message: `${m.spec}: no configured apt source provides suite ${suite} (${have}). Add one to apt.sources: {uris: <${where}>, suites: [${suite}]}`,
      },
    ];
  });
}

/** Every suite the treefile's apt sources provide: the default archive's, then apt.sources'. */
export function configuredSuites(
  tf: Pick<ResolvedTreefile, 'suite' | 'aptReplace' | 'aptSources'>,
): string[] {
  return [
    ...new Set([
      ...(tf.aptReplace ? [] : defaultArchiveSuites(tf.suite)),
      ...tf.aptSources.flatMap((s) => s.suites),
    ]),
  ];
}

/**
 * A kernel listed besides the one of `kernel-flavour` (linux-image-amd64 without it): the tree
 * would hold two kernels, and one is booted (ostree wants exactly one). The flavour's own
 * package listed with a version or suite is how it is pinned or taken from backports.
 */
function secondKernels(
  mentions: PackageMention[],
  sub: Substitute,
  tf: ResolvedTreefile,
): InputIssue[] {
  const kernel = kernelPackage(tf.kernelFlavour);
  const why = tf.kernelFlavour
    ? `kernel-flavour: ${tf.kernelFlavour} installs ${kernel}`
    : `the base installs ${kernel}`;
  return listedSpecs(mentions, sub).flatMap((m) => {
    if (m.name === kernel || !isKernelImage(m.name)) return [];
    const flavour = Object.entries(KERNEL_FLAVOURS).find(([, p]) => p === m.name)?.[0];
    const instead = flavour
      ? `drop it, or set kernel-flavour: ${flavour} to have ${m.name} instead`
      : `drop it; to pin the kernel, list ${kernel}=VERSION (or ${kernel}/SUITE)`;
    return [
      {
        ...m.at,
        message: `${m.name} and ${kernel} would be two kernels (${why}), and a tree boots one: ${instead}`,
      },
    ];
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
function loadFile(file: string, chain: string[], l: Loading, outer: Scope): Partial | undefined {
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
  l.seen.add(realLocation(file));
  const parsed = parseYamlFile(name, source);
  const { data: valid, issues: own } = validate(parsed, TreefileFileSchema);
  l.issues.push(...own.map(refusedKeyIssue));
  l.warnings.push(...inapplicableKeys(parsed));
  const scope = scopeOf(parsed, outer);
  // With schema errors, the keys that passed their schema are still read and checked.
  const { data: written, failed } = valid ? { data: valid, failed: [] } : wellFormedKeys(parsed);
  for (const k of failed) l.failed.add(k);
  if (!written) {
    // What can still be read of the includes is followed, so their errors are reported too.
    loadIncludes(file, parsed, includeRefs(parsed, scope, l), chain, l, scope);
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
  // In the order they run: the inline scripts, then the script file.
  l.scriptSites.push(...inlineScriptSites(parsed, written));
  readPostprocessScript(parsed, here, written, l);
  const base = loadIncludes(file, parsed, includeRefs(parsed, scope, l), chain, l, scope);
  return base ? merge(base, here) : here;
}

/**
 * A file that failed its schema without the top-level keys that failed (unknown keys included),
 * validated again: what passed, and the keys left out (documented spelling). Nothing (`*`) when
 * the file is not a mapping or a failure is not under one key.
 */
function wellFormedKeys(parsed: ParsedYaml): { data?: TreefileFileAsWritten; failed: string[] } {
  const raw = parsed.value;
  if (parsed.issues.length || !raw || typeof raw !== 'object' || Array.isArray(raw))
    return { failed: ['*'] };
  const r = TreefileFileSchema.safeParse(raw);
  if (r.success) return { data: r.data, failed: [] };
  const bad = new Set<string>();
  for (const iss of r.error.issues) {
    if (iss.path.length) bad.add(String(iss.path[0]));
    else if (iss.code === 'unrecognized_keys') for (const k of iss.keys) bad.add(k);
    else return { failed: ['*'] };
  }
  const again = TreefileFileSchema.safeParse(
    Object.fromEntries(Object.entries(raw).filter(([k]) => !bad.has(k))),
  );
  if (!again.success) return { failed: ['*'] };
  return { data: again.data, failed: [...bad].map((k) => UNDERSCORE_ALIASES[k] ?? k) };
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

/** The most a postprocess-script file may hold: it is kept in memory and in the model. */
const SCRIPT_MAX_BYTES = 1024 * 1024;

/**
 * postprocess-script: the file must be a regular file inside the context (as add-files
 * sources), a text the kernel can start (its #! line), and the only one of the whole treefile
 * (rpm-ostree silently keeps the including file's; here a second one is an error naming both).
 * Its text goes into the model.
 */
function readPostprocessScript(
  parsed: ParsedYaml,
  here: Partial,
  written: TreefileFileAsWritten,
  l: Loading,
): void {
  const script = here.postprocessScript;
  if (!script) return;
  const key =
    written['postprocess-script'] === undefined ? 'postprocess_script' : 'postprocess-script';
  const at = { file: parsed.file, ...parsed.positionOf([key]), key };
  const first = l.postprocessScriptAt;
  if (first) {
    l.issues.push({
      ...at,
      message: `set here and in ${first.file}:${first.line}:${first.col} (${first.key}): a treefile with its includes runs one script file (rpm-ostree would silently keep the including file’s); keep one`,
    });
    return;
  }
  l.postprocessScriptAt = at;
  const read = readContextText(l.context, script.path, SCRIPT_MAX_BYTES);
  if ('problem' in read) {
    l.pathIssues.push({ ...at, message: read.problem });
    return;
  }
  const shown = displayName(script.path);
  const problem = read.text === '' ? 'the file is empty' : shebangProblem(read.text);
  if (problem) {
    l.pathIssues.push({ ...at, message: `${shown}: ${problem}` });
    return;
  }
  script.content = read.text;
  l.scriptSites.push({ at, path: shown, shebang: parseShebang(read.text) });
}

/** The keys that hold inline scripts (both dialects; neither has an underscore spelling). */
const SCRIPT_KEYS = ['postinstall', 'postprocess'] as const;

/** Each inline script of one file, located at its entry (as written), with its #! line. */
function inlineScriptSites(parsed: ParsedYaml, written: TreefileFileAsWritten): ScriptSite[] {
  return SCRIPT_KEYS.flatMap((k) => {
    const v = written[k];
    if (v === undefined) return [];
    const entries = Array.isArray(v) ? v.map((s, i) => [s, [k, i]] as const) : [[v, [k]] as const];
    return entries.map(([s, path]) => ({
      at: { file: parsed.file, ...parsed.positionOf(path), key: keyPath(path) },
      shebang: parseShebang(s),
    }));
  });
}

/** The keys whose entries are package names; `exclude-packages` is the one that excludes. */
const PACKAGE_KEYS = ['packages', 'packages-x86_64', 'packages-amd64', 'exclude-packages'];

/** Each package name of one file's package lists, located at its entry (as written). */
function packageMentions(parsed: ParsedYaml, written: TreefileFileAsWritten): PackageMention[] {
  return Object.entries(written).flatMap(([k, v]) => {
    const key = UNDERSCORE_ALIASES[k] ?? k;
    if (!PACKAGE_KEYS.includes(key) || !Array.isArray(v)) return [];
    return (v as string[]).flatMap((entry, i) =>
      packageEntryNames(entry).map((name) => ({
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

/**
 * What conditions in a file can see (conditional-include): the suite of `base` and the
 * variables set in the file or in the files that include it. As in the merge, the including
 * file wins: its `base` and its variables over those of what it includes. Files included
 * beside it (siblings) are not visible: which of them is read first would change the answer.
 */
interface Scope {
  suite?: string;
  vars: Record<string, VarValue>;
}

/** The scope of one file: its own base and variables under those of the files above it. */
function scopeOf(parsed: ParsedYaml, outer: Scope): Scope {
  const raw = rawKeys(parsed);
  const base = TreefileFileSchema.shape.base.safeParse(raw.base);
  const vars = TreefileFileSchema.shape.variables.safeParse(raw.variables);
  return {
    suite: outer.suite ?? (base.success && base.data ? suiteOf(base.data) : undefined),
    vars: { ...(vars.success ? vars.data : {}), ...outer.vars },
  };
}

/** The variables a condition sees: basearch, releasever and suite (once known), then the scope's. */
function conditionVars(scope: Scope): Record<string, VarValue> {
  const release =
    scope.suite === undefined ? undefined : (SUITES[scope.suite]?.version ?? scope.suite);
  return {
    basearch: BASEARCH,
    // rpm-ostree's releasever is a number, so `releasever >= 13` compares numbers.
    ...(release === undefined
      ? {}
      : {
          releasever: /^[0-9]+$/.test(release) ? Number(release) : release,
          suite: scope.suite as string,
        }),
    ...scope.vars,
  };
}

/** One file an include key names, where (for errors). */
interface IncludeRef {
  path: string;
  at: PropertyKey[];
  /** The key reported with an error about this file. */
  key: string;
}

/**
 * Every file one treefile includes, in rpm-ostree's order: `include`, then the build's
 * `arch-include` entry, then each `conditional-include` whose conditions all hold. Read from
 * the file as written (each key validated on its own), so a file with other errors still has
 * its includes followed. Conditions that cannot be decided are reported here.
 */
function includeRefs(parsed: ParsedYaml, scope: Scope, l: Loading): IncludeRef[] {
  return [
    ...plainIncludes(parsed),
    ...archIncludes(parsed, l),
    ...conditionalIncludes(parsed, scope, l),
  ];
}

/** `include`: one file or a list. */
function plainIncludes(parsed: ParsedYaml): IncludeRef[] {
  const r = TreefileFileSchema.shape.include.safeParse(rawKeys(parsed).include);
  if (!r.success || r.data === undefined) return [];
  return Array.isArray(r.data)
    ? r.data.map((path, i) => ({ path, at: ['include', i], key: 'include' }))
    : [{ path: r.data, at: ['include'], key: 'include' }];
}

/** The files listed under one key (a string or a list), located below `at`. */
function filesAt(files: string | string[], at: PropertyKey[]): IncludeRef[] {
  const key = keyPath(at);
  return Array.isArray(files)
    ? files.map((path, i) => ({ path, at: [...at, i], key: `${key}[${i}]` }))
    : [{ path: files, at, key }];
}

/** `arch-include`: only the build's architecture, under one of its two names. */
function archIncludes(parsed: ParsedYaml, l: Loading): IncludeRef[] {
  const [k, value] = spelled(parsed, 'arch-include');
  const r = TreefileFileSchema.shape['arch-include'].safeParse(value);
  if (!r.success || r.data === undefined) return [];
  const named = BUILD_ARCHES.filter((a) => Object.hasOwn(r.data as object, a));
  if (named.length > 1) {
    const at = [k, named[1] as string];
    l.issues.push({
      file: parsed.file,
      ...parsed.positionOf(at, true),
      key: keyPath(at),
      message: `${named.join(' and ')} name the same architecture: keep one`,
    });
    return [];
  }
  const arch = named[0];
  const files = arch === undefined ? undefined : r.data[arch as keyof typeof r.data];
  return files === undefined ? [] : filesAt(files, [k, arch as string]);
}

/** `conditional-include`: the entries whose conditions all hold; every condition is evaluated. */
function conditionalIncludes(parsed: ParsedYaml, scope: Scope, l: Loading): IncludeRef[] {
  const [k, value] = spelled(parsed, 'conditional-include');
  const r = TreefileFileSchema.shape['conditional-include'].safeParse(value);
  if (!r.success || r.data === undefined) return [];
  const vars = conditionVars(scope);
  return r.data.flatMap((entry, i) => {
    const conditions = Array.isArray(entry.if)
      ? entry.if.map((c, j) => ({ c, at: [k, i, 'if', j] }))
      : [{ c: entry.if, at: [k, i, 'if'] }];
    // Every condition is evaluated, so each undecidable one is reported, not only the first.
    const results = conditions.map(({ c, at }) => holds(c, at, vars, scope, parsed, l));
    return results.every((x) => x === true) ? filesAt(entry.include, [k, i, 'include']) : [];
  });
}

/** One condition's value, or undefined (reported at `at`) when it cannot be decided. */
function holds(
  text: string,
  at: PropertyKey[],
  vars: Record<string, VarValue>,
  scope: Scope,
  parsed: ParsedYaml,
  l: Loading,
): boolean | undefined {
  // The schema accepted it, so it parses.
  const c = parseCondition(text) as Condition;
  try {
    return evaluateCondition(c, vars);
  } catch (e) {
    const hint =
      scope.suite === undefined && ['releasever', 'suite'].includes(c.variable)
        ? '; releasever and suite are known where base is set in this file or one that includes it'
        : '';
    l.issues.push({
      file: parsed.file,
      ...parsed.positionOf(at),
      key: keyPath(at),
      message: `cannot decide ${text.trim()}: ${(e as Error).message}${hint}`,
    });
    return undefined;
  }
}

/** The top-level mapping as written ({} when the document is not one). */
function rawKeys(parsed: ParsedYaml): Record<string, unknown> {
  const v = parsed.value;
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** A dashed key as this file spells it (dashed or rpm-ostree's underscores) and its value. */
function spelled(parsed: ParsedYaml, key: string): [string, unknown] {
  const raw = rawKeys(parsed);
  const alias = key.replaceAll('-', '_');
  return key in raw || !(alias in raw) ? [key, raw[key]] : [alias, raw[alias]];
}

/**
 * Load the files `refs` name (relative to `file`) and merge them as rpm-ostree does (its
 * docs/treefile.md, `postprocess`; treefile.rs merges each include into the including file in
 * turn): an earlier include's settings win over a later one's, and in lists a later include's
 * entries come first, so with `include: [a, b]` b's postprocess scripts run before a's, and the
 * including file's after both. A file already read elsewhere in the walk is skipped: it is
 * merged once, where it was first reached (files are compared by real path, so a link to a
 * file is that file); rpm-ostree refuses a file included twice.
 */
function loadIncludes(
  file: string,
  parsed: ParsedYaml,
  refs: IncludeRef[],
  chain: string[],
  l: Loading,
  scope: Scope,
): Partial | undefined {
  let base: Partial | undefined;
  const above = [...chain, file];
  const aboveReal = above.map(realLocation);
  for (const ref of refs) {
    const target = resolve(dirname(file), ref.path);
    const pos = parsed.positionOf(ref.at);
    const at = (message: string) =>
      l.issues.push({ file: parsed.file, ...pos, key: ref.key, message });
    const trail = [...above, target].map(displayName).join(' → ');
    const real = realLocation(target);
    if (aboveReal.includes(real)) {
      at(`include cycle: ${trail}`);
      continue;
    }
    const outside = outsideOf(l.context, target);
    if (outside) {
      at(`${ref.path}: ${outside}`);
      l.failed.add('*');
      continue;
    }
    if (l.seen.has(real)) continue;
    let sub: Partial | undefined;
    try {
      sub = loadFile(target, above, l, scope);
    } catch (e) {
      at(
        `cannot read ${ref.path} (${trail}): ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
      l.failed.add('*');
      continue;
    }
    // Earlier includes are merged over later ones (see above).
    if (sub) base = base ? merge(sub, base) : sub;
  }
  return base;
}

/**
 * An rpm-ostree key that cannot work here is an unknown key to the schema; its error says why
 * and what to write instead (schema.ts REFUSED_KEYS).
 */
function refusedKeyIssue(issue: InputIssue): InputIssue {
  const why = issue.key.includes('.') ? undefined : refusedReason(issue.key);
  return why ? { ...issue, message: `rpm-ostree's ${issue.key} is not supported: ${why}` } : issue;
}

/** A warning for each rpm-ostree key that means nothing here, naming it as written and why. */
function inapplicableKeys(parsed: ParsedYaml): InputIssue[] {
  return Object.keys(rawKeys(parsed))
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
