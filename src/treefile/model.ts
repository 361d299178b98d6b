/**
 * The normalized treefile every stage consumes, one entry per setting: where each dialect spells
 * it (`read`), how an including file combines with what it includes (`merge`), and what the
 * stages see once every file is merged (`finish`: defaults, ${variable} substitution).
 * `ResolvedTreefile` is inferred from this table, so a new key is written here and in the
 * schema, nowhere else.
 *
 * The table's order is the model's key order, which the compose input hash serializes: moving
 * an entry changes every treefile digest (input-hash.ts).
 */
import { dirname, resolve } from 'node:path';
import type { InputIssue } from '../core/errors.ts';
import { normalizeLocale } from '../core/locales.ts';
import { isQualified, type KernelFlavour, packageName } from './packages.ts';
import type { TreefileFile } from './schema.ts';
import type { ScriptSite } from './scripts.ts';
import { SUITES } from './suites.ts';

/**
 * - `override`: the including file's value wins when it sets one;
 * - `concat`: lists concatenate, included first;
 * - `assign`: maps merge key by key, the including file's keys win.
 * Of files included side by side, the earlier one counts as the including one (rpm-ostree's
 * order: load.ts loadIncludes).
 */
type Merge = 'override' | 'concat' | 'assign';

/** What `finish` may use besides the merged value. */
export interface Finishing {
  /** The top-level treefile (absolute). */
  top: string;
  /** Merged values other settings finish from (typed here, not inferred: no cycle). */
  merged: { suite?: string; excludePackages?: string[] };
  /** Substitute ${variables} in `s`; an unknown one is reported against `key`. */
  sub(key: string, s: string): string;
}

interface Setting<R, F> {
  read(d: TreefileFile, dir: string): R | undefined;
  merge: Merge;
  finish(v: R | undefined, f: Finishing): F;
}

const setting = <R, F>(s: Setting<R, F>): Setting<R, F> => s;
const list = <T>(v: T[] | undefined): T[] => v ?? [];
const scripts = (s: string | string[] | undefined): string[] =>
  s === undefined ? [] : Array.isArray(s) ? s : [s];
/** `debian:trixie` → `trixie`. */
export const suiteOf = (base: string) => base.slice('debian:'.length);
/**
 * One package entry → its packages as written (`name`, `name=VERSION`, `name/SUITE`): it may
 * hold several, separated by whitespace (rpm-ostree).
 */
export const packageEntryNames = (entry: string): string[] => entry.split(/\s+/).filter(Boolean);
const packageNames = (...entries: (string[] | undefined)[]): string[] =>
  entries.flatMap((e) => list(e).flatMap(packageEntryNames));

/** The default archive's components when the treefile names none (as mmdebstrap's default). */
export const DEFAULT_COMPONENTS: readonly string[] = ['main'];

/** True when `components` (the default archive's) are not the default ones. */
export function customComponents(components: readonly string[]): boolean {
  return components.join(' ') !== DEFAULT_COMPONENTS.join(' ');
}

type AptSourceModel = { uris: string[]; suites: string[]; components: string[]; signedBy?: string };
type MetadataValue = string | number | boolean;

export const SETTINGS = {
  ref: setting({
    read: (d) => d.ostree?.ref ?? d.ref,
    merge: 'override',
    finish: (v, f) => f.sub('ref', v ?? ''),
  }),
  /** Absolute path of the OSTree repo (default: `repo` beside the top-level treefile). */
  repo: setting({
    read: (d, dir) => (d.ostree?.repo === undefined ? undefined : resolve(dir, d.ostree.repo)),
    merge: 'override',
    finish: (v, f) => v ?? resolve(dirname(f.top), 'repo'),
  }),
  /** The Debian suite of `base: debian:<suite>`. */
  suite: setting({
    read: (d) => (d.base === undefined ? undefined : suiteOf(d.base)),
    merge: 'override',
    finish: (v) => v ?? '',
  }),
  /** Debian release number ("13") or the suite's name ("sid"). */
  releasever: setting({
    read: (d) => (d.base === undefined ? undefined : suiteOf(d.base)),
    merge: 'override',
    finish: (v) => (v === undefined ? '' : (SUITES[v]?.version ?? v)),
  }),
  /**
   * As written (`name`, `name=VERSION`, `name/SUITE`: apt's syntax), one entry per package
   * (where a package is listed bare and with a version or suite, the latter; two different
   * ones are an error, load.ts), without the excluded ones (by name).
   */
  packages: setting({
    read: (d) => packageNames(d.packages, d['packages-x86_64'], d['packages-amd64']),
    merge: 'concat',
    finish: (v, f) => {
      const excluded = new Set(excludedPackages(f));
      return onePerPackage(list(v).map((p) => f.sub('packages', p))).filter(
        (p) => !excluded.has(packageName(p)),
      );
    },
  }),
  excludePackages: setting({
    read: (d) => (d['exclude-packages'] ? packageNames(d['exclude-packages']) : undefined),
    merge: 'concat',
    finish: (_v, f) => excludedPackages(f),
  }),
  recommends: setting({
    read: (d) => d.recommends,
    merge: 'override',
    finish: (v) => v ?? false,
  }),
  documentation: setting({
    read: (d) => d.documentation,
    merge: 'override',
    finish: (v) => v ?? true,
  }),
  /** Each source's suites default to the base suite. */
  aptSources: setting({
    read: (d, dir): AptSourceModel[] =>
      (d.apt?.sources ?? []).map((s) => ({
        uris: Array.isArray(s.uris) ? s.uris : [s.uris],
        suites: s.suites ?? [],
        components: s.components,
        signedBy: s['signed-by'] === undefined ? undefined : resolve(dir, s['signed-by']),
      })),
    merge: 'concat',
    finish: (v, f) =>
      list(v).map((s) => ({
        ...s,
        suites: s.suites.length ? s.suites : [f.merged.suite ?? ''],
      })),
  }),
  /** Undefined for the default kernel, so treefiles without the key keep their digest. */
  kernelFlavour: setting({
    read: (d) => d['kernel-flavour'],
    merge: 'override',
    finish: (v): KernelFlavour | undefined => (v === 'default' ? undefined : v),
  }),
  aptReplace: setting({
    read: (d) => d.apt?.replace,
    merge: 'override',
    finish: (v) => v ?? false,
  }),
  /** Components of the default archive (with its -updates and -security suites). */
  aptComponents: setting({
    read: (d) => d.apt?.components,
    merge: 'override',
    finish: (v) => v ?? [...DEFAULT_COMPONENTS],
  }),
  units: setting({
    read: (d) => [...list(d.system?.services), ...list(d.units)],
    merge: 'concat',
    finish: (v) => [...new Set(list(v))],
  }),
  defaultTarget: setting({
    read: (d) => d['default-target'],
    merge: 'override',
    finish: (v) => v,
  }),
  directories: setting({
    read: (d) => d.system?.directories,
    merge: 'concat',
    finish: list,
  }),
  /** [absolute source on the build host, destination in the tree]. */
  addFiles: setting({
    read: (d, dir) =>
      list(d['add-files']).map(([src, dest]): [string, string] => [resolve(dir, src), dest]),
    merge: 'concat',
    finish: list,
  }),
  removeFiles: setting({
    read: (d) => d['remove-files'],
    merge: 'concat',
    finish: list,
  }),
  postprocess: setting({
    read: (d) => [...scripts(d.postinstall), ...scripts(d.postprocess)],
    merge: 'concat',
    finish: list,
  }),
  commitMetadata: setting({
    read: (d): Record<string, MetadataValue> | undefined => d['add-commit-metadata'],
    merge: 'assign',
    finish: (v, f): Record<string, MetadataValue> =>
      Object.fromEntries(
        Object.entries(v ?? {}).map(([k, x]) => [
          k,
          typeof x === 'string' ? f.sub('add-commit-metadata', x) : x,
        ]),
      ),
  }),
  versionPrefix: setting({
    read: (d) => d['automatic-version-prefix'],
    merge: 'override',
    finish: (v, f) => f.sub('automatic-version-prefix', v ?? '${releasever}'),
  }),
  initramfsArgs: setting({
    read: (d) => d['initramfs-args'],
    merge: 'concat',
    finish: list,
  }),
  initramfsProfile: setting({
    read: (d) => d['initramfs-profile'],
    merge: 'override',
    finish: (v) => v ?? 'pc',
  }),
  machineidCompat: setting({
    read: (d) => d['machineid-compat'],
    merge: 'override',
    finish: (v) => v ?? true,
  }),
  /** A command line: one value, so an including file replaces it rather than appending. */
  containerCmd: setting({
    read: (d) => d['container-cmd'],
    merge: 'override',
    finish: (v) => v,
  }),
  kernelArgs: setting({
    read: (d) => d['kernel-args'],
    merge: 'concat',
    finish: (v, f) => list(v).map((k) => f.sub('kernel-args', k)),
  }),
  /** Install particle-os-client (compose/client-package.ts). */
  particleOsClient: setting({
    read: (d) => d['particle-os-client'],
    merge: 'override',
    finish: (v) => v ?? true,
  }),
  /**
   * The string replaced with the commit's version in os-release (compose/os-release.ts);
   * undefined when unset, so treefiles without it keep their digest (input-hash.ts).
   */
  mutateOsRelease: setting({
    read: (d) => d['mutate-os-release'],
    merge: 'override',
    finish: (v, f) => (v === undefined ? undefined : f.sub('mutate-os-release', v)),
  }),
  /**
   * The text of the postprocess-script file, run after the postprocess scripts. `read` gives
   * its absolute path; load.ts reads the file once it is known to be inside the treefile
   * context, so the text hashed is the text run. Undefined when unset (input-hash.ts). Two
   * files setting it are an error (load.ts), so `override` never drops one.
   */
  postprocessScript: setting({
    read: (d, dir): { path: string; content?: string } | undefined =>
      d['postprocess-script'] === undefined
        ? undefined
        : { path: resolve(dir, d['postprocess-script']) },
    merge: 'override',
    finish: (v) => v?.content,
  }),
  /**
   * Locales compose generates into the tree (compose/locales.ts), each once (de_DE.UTF-8 and
   * de_DE.utf8 are one). Undefined when unset or empty, so treefiles without it keep their
   * digest (input-hash.ts).
   */
  locales: setting({
    read: (d) => d.locales,
    merge: 'concat',
    finish: (v) => {
      // The first spelling of each locale, keyed by its normalized name.
      const byName = new Map<string, string>();
      for (const l of list(v))
        if (!byName.has(normalizeLocale(l))) byName.set(normalizeLocale(l), l);
      return byName.size ? [...byName.values()] : undefined;
    },
  }),
};

type Settings = typeof SETTINGS;
type ReadValue<K extends keyof Settings> = Exclude<ReturnType<Settings[K]['read']>, undefined>;

/** The settings of one file, or of several merged, before finishing. */
export type MergedTreefile = { [K in keyof Settings]?: ReadValue<K> };

/** The normalized treefile every stage consumes. */
export type ResolvedTreefile = {
  file: string;
  /** Every file read, the top-level one first. */
  files: string[];
  /**
   * What was accepted but does nothing (rpm-ostree keys without meaning on Debian), located
   * like errors. Whoever consumes the treefile shows them; not part of the compose inputs.
   */
  warnings: InputIssue[];
  /**
   * Where each postprocess script was written and its #! line, for the interpreter checks
   * (load.ts, and the dry run against the resolved packages); not part of the compose inputs.
   */
  scriptSites: ScriptSite[];
} & { [K in keyof Settings]: ReturnType<Settings[K]['finish']> };

/**
 * One spec per package name, at its first place: a bare name gives way to a version or suite
 * for the same package listed elsewhere (two different ones are reported by load.ts; the
 * first is kept here).
 */
export function onePerPackage(specs: readonly string[]): string[] {
  const byName = new Map<string, string>();
  for (const spec of specs) {
    const name = packageName(spec);
    const had = byName.get(name);
    if (had === undefined || (!isQualified(had) && isQualified(spec))) byName.set(name, spec);
  }
  return [...byName.values()];
}

function excludedPackages(f: Finishing): string[] {
  return [...new Set(list(f.merged.excludePackages).map((p) => f.sub('exclude-packages', p)))];
}

/** One file's settings in the model's terms (paths made absolute against `dir`). */
export function readSettings(d: TreefileFile, dir: string): MergedTreefile {
  const out: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(SETTINGS) as [string, Setting<unknown, unknown>][])
    out[k] = s.read(d, dir);
  return out as MergedTreefile;
}

/** `over` (the including file) on top of `under` (what it includes), by each setting's rule. */
export function mergeSettings(under: MergedTreefile, over: MergedTreefile): MergedTreefile {
  const out: Record<string, unknown> = { ...under };
  for (const [k, s] of Object.entries(SETTINGS) as [string, Setting<unknown, unknown>][]) {
    const u = (under as Record<string, unknown>)[k];
    const v = (over as Record<string, unknown>)[k];
    if (v === undefined) continue;
    if (u === undefined || s.merge === 'override') out[k] = v;
    else if (s.merge === 'concat') out[k] = [...(u as unknown[]), ...(v as unknown[])];
    else out[k] = { ...(u as object), ...(v as object) };
  }
  return out as MergedTreefile;
}

/** The merged settings → the model (defaults applied, variables substituted). */
export function finishSettings(
  merged: MergedTreefile,
  f: Omit<Finishing, 'merged'> & {
    files: string[];
    warnings: InputIssue[];
    scriptSites?: ScriptSite[];
  },
): ResolvedTreefile {
  const finishing: Finishing = { top: f.top, merged, sub: f.sub };
  const out: Record<string, unknown> = {
    file: f.top,
    files: f.files,
    warnings: f.warnings,
    scriptSites: f.scriptSites ?? [],
  };
  for (const [k, s] of Object.entries(SETTINGS) as [string, Setting<unknown, unknown>][])
    out[k] = s.finish((merged as Record<string, unknown>)[k], finishing);
  return out as ResolvedTreefile;
}
