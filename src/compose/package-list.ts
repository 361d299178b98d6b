/**
 * The package list a commit carries (`particle-os.packages`, a GVariant string array of
 * "name version architecture"), read from the tree's own dpkg database, and the diff of two
 * such lists (`compose diff`, like `rpm-ostree db diff`).
 */
import type { StepContext } from '../core/context.ts';
import { run } from '../core/run.ts';
import { Tree } from '../core/tree.ts';
import { DPKG_DB } from './ostreeify.ts';

export interface InstalledPackage {
  name: string;
  version: string;
  architecture: string;
}

/**
 * "name version arch" for every installed package of the tree at `root`, sorted. `dbDir`: where
 * the tree keeps its dpkg database (under /usr once it is OSTree-ready).
 */
export async function installedPackages(
  sc: StepContext,
  root: string,
  dbDir: string = DPKG_DB,
): Promise<string[]> {
  const r = await run(sc, [
    'dpkg-query',
    // Resolved inside the tree, so a linked database never makes this read the host's.
    `--admindir=${new Tree(root).path(dbDir)}`,
    '--show',
    '--showformat=${db:Status-Abbrev} ${Package} ${Version} ${Architecture}\\n',
  ]);
  return r.stdout
    .split('\n')
    .filter((l) => l.startsWith('ii '))
    .map((l) => l.slice(3).trim())
    .sort();
}

/** GVariant text of a string array (for `ostree commit --add-metadata=K=V`). */
export function gvariantStrings(items: readonly string[]): string {
  const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  return `@as [${items.map((i) => `'${esc(i)}'`).join(', ')}]`;
}

/** Parse `ostree show --print-metadata-key` output of a string array. */
export function parseGvariantStrings(text: string): string[] {
  return [...text.matchAll(/'((?:[^'\\]|\\.)*)'/g)].map((m) =>
    (m[1] as string).replace(/\\(.)/g, '$1'),
  );
}

export function parsePackageLine(line: string): InstalledPackage {
  const [name = '', version = '', architecture = ''] = line.split(' ');
  return { name, version, architecture };
}

export interface PackageDiff {
  added: InstalledPackage[];
  removed: InstalledPackage[];
  upgraded: { name: string; from: string; to: string }[];
  downgraded: { name: string; from: string; to: string }[];
}

/**
 * Compare two package lists. `newer(a, b)` says whether version a sorts after b (Debian
 * ordering: the caller asks dpkg).
 */
export async function diffPackages(
  from: readonly InstalledPackage[],
  to: readonly InstalledPackage[],
  newer: (a: string, b: string) => Promise<boolean>,
): Promise<PackageDiff> {
  const key = (p: InstalledPackage) => `${p.name}:${p.architecture}`;
  const a = new Map(from.map((p) => [key(p), p]));
  const b = new Map(to.map((p) => [key(p), p]));
  const diff: PackageDiff = { added: [], removed: [], upgraded: [], downgraded: [] };
  for (const [k, p] of b) if (!a.has(k)) diff.added.push(p);
  for (const [k, p] of a) if (!b.has(k)) diff.removed.push(p);
  for (const [k, p] of b) {
    const old = a.get(k);
    if (!old || old.version === p.version) continue;
    const change = { name: p.name, from: old.version, to: p.version };
    if (await newer(p.version, old.version)) diff.upgraded.push(change);
    else diff.downgraded.push(change);
  }
  return diff;
}
