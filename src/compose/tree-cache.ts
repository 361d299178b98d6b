/**
 * The installed-tree cache: per ref and archive configuration, a copy of the tree as it was right
 * after its packages were installed (before the treefile's add-files, postprocess and initramfs).
 * When a later compose resolves to a superset of that tree's packages at the same versions, it
 * starts from the copy and installs only the difference (see incremental.ts) instead of
 * bootstrapping again — the `+1 package` case. Anything else (an upgrade, a removal, a changed
 * archive setting, --force-nocache) bootstraps from scratch. Like mkosi's Incremental=, but keyed
 * so that adding packages stays incremental.
 */
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { StepContext } from '../core/context.ts';
import { run } from '../core/run.ts';
import { removeTree } from '../core/workdir.ts';
import type { ResolvedTreefile } from '../treefile/load.ts';
import { sourcesIdentity } from './bootstrap.ts';
import type { LockedPackage } from './lockfile.ts';
import { BOOTSTRAP_DPKG_DB } from './ostreeify.ts';
import { type InstalledPackage, installedPackages, parsePackageLine } from './package-list.ts';

/** Bump when the install step changes what a cached tree contains. */
const TREE_CACHE_FORMAT = 1;

/** Everything besides the package list that decides what an install puts into the tree. */
export function treeCacheDir(cacheRoot: string, tf: ResolvedTreefile): string {
  const key = createHash('sha256')
    .update(
      JSON.stringify({
        format: TREE_CACHE_FORMAT,
        ref: tf.ref,
        suite: tf.suite,
        mirrors: sourcesIdentity(tf),
        recommends: tf.recommends,
        documentation: tf.documentation,
        exclude: [...tf.excludePackages].sort(),
      }),
    )
    .digest('hex')
    .slice(0, 16);
  return join(cacheRoot, 'trees', `${tf.ref.replace(/[^a-zA-Z0-9._-]+/g, '_')}-${key}`);
}

/** The packages installed in a cached tree, or undefined when there is none. */
export async function cachedTreePackages(
  sc: StepContext,
  dir: string,
): Promise<InstalledPackage[] | undefined> {
  if (!existsSync(join(dir, BOOTSTRAP_DPKG_DB, 'status'))) return undefined;
  return (await installedPackages(sc, dir, BOOTSTRAP_DPKG_DB)).map(parsePackageLine);
}

/**
 * The packages to add to a cached tree to reach `resolved`, or undefined when the cached tree is
 * not a subset of it at the same versions (then only a full bootstrap gives the right tree).
 */
export function packagesToAdd(
  cached: readonly InstalledPackage[],
  resolved: readonly LockedPackage[],
): LockedPackage[] | undefined {
  const want = new Map(resolved.map((p) => [p.name, p]));
  for (const c of cached) {
    const w = want.get(c.name);
    if (!w || w.version !== c.version || w.architecture !== c.architecture) return undefined;
  }
  const have = new Set(cached.map((c) => c.name));
  return resolved.filter((p) => !have.has(p.name));
}

/** Copy a tree, keeping owners, modes, hard links, xattrs (file capabilities) and timestamps. */
export async function copyTree(sc: StepContext, from: string, to: string): Promise<void> {
  mkdirSync(dirname(to), { recursive: true });
  await run(sc, ['cp', '-a', '--reflink=auto', from, to]);
}

/**
 * Replace the cached tree at `dir` with a copy of `root`; the old one stays until the new one is
 * complete. The cached initramfs goes with the old tree unless `initramfsStillFits` (the packages
 * added since cannot change it).
 */
export async function saveTree(
  sc: StepContext,
  root: string,
  dir: string,
  initramfsStillFits = false,
): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`;
  const old = `${dir}.old-${process.pid}`;
  const dropTmp = sc.scope.defer(`cached tree ${tmp}`, () => removeTree(tmp));
  removeTree(tmp);
  if (!initramfsStillFits) dropInitramfs(dir);
  await copyTree(sc, root, tmp);
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(tmp, dir);
  await dropTmp();
  removeTree(old);
}

/**
 * The initramfs built for the cached tree, and its recipe (see customize.ts): an incremental
 * compose whose added packages cannot change it copies it instead of running dracut again.
 */
export interface CachedInitramfs {
  recipe: string;
  image: string;
}

const initramfsFiles = (dir: string) => ({
  image: `${dir}.initramfs.img`,
  meta: `${dir}.initramfs.json`,
});

export function cachedInitramfs(dir: string): CachedInitramfs | undefined {
  const f = initramfsFiles(dir);
  if (!existsSync(f.meta) || !existsSync(f.image)) return undefined;
  const { recipe } = JSON.parse(readFileSync(f.meta, 'utf8')) as { recipe: string };
  return { recipe, image: f.image };
}

export function saveInitramfs(dir: string, recipe: string, image: string): void {
  const f = initramfsFiles(dir);
  dropInitramfs(dir);
  copyFileSync(image, `${f.image}.tmp`);
  renameSync(`${f.image}.tmp`, f.image);
  // The record last: without it the image is never used.
  writeFileSync(`${f.meta}.tmp`, `${JSON.stringify({ recipe })}\n`);
  renameSync(`${f.meta}.tmp`, f.meta);
}

function dropInitramfs(dir: string): void {
  const f = initramfsFiles(dir);
  rmSync(f.meta, { force: true });
  rmSync(f.image, { force: true });
}
