/**
 * The install step of a compose: the resolved packages into a fresh tree, incrementally from the
 * cached installed tree when the package set only grew (tree-cache.ts, incremental.ts), else by a
 * full mmdebstrap bootstrap. Either way the result becomes the new cached tree.
 */
import { type Context, step } from '../core/context.ts';
import type { ResolvedTreefile } from '../treefile/load.ts';
import { skeletonDir } from './apt-skeleton.ts';
import { requestedPackages } from './base-packages.ts';
import { bootstrap } from './bootstrap.ts';
import { addPackages } from './incremental.ts';
import { type Lockfile, pinnedSpec } from './lockfile.ts';
import type { ResolvedPackages } from './resolve.ts';
import {
  type CachedInitramfs,
  cachedInitramfs,
  cachedTreePackages,
  copyTree,
  packagesToAdd,
  saveTree,
  treeCacheDir,
} from './tree-cache.ts';

export interface InstallOptions {
  tf: ResolvedTreefile;
  rootfs: string;
  work: string;
  debCacheDir: string;
  cacheRoot: string;
  lock?: Lockfile;
  resolved: ResolvedPackages;
  /** Bootstrap from scratch, ignoring the cached tree (--force-nocache). */
  force?: boolean;
}

export interface Installed {
  /** The cached tree's directory (its initramfs is saved next to it after customize). */
  cached: string;
  /** An initramfs the added packages cannot have changed (customize checks its recipe). */
  initramfs?: CachedInitramfs;
}

/**
 * Put the resolved packages into `rootfs`: on top of a copy of the cached installed tree when
 * that is a subset of them (incremental), else by a full bootstrap. The result becomes the new
 * cached tree.
 */
export async function installPackages(ctx: Context, o: InstallOptions): Promise<Installed> {
  const { tf, rootfs, resolved } = o;
  const cached = treeCacheDir(o.cacheRoot, tf);
  const add = o.force
    ? undefined
    : await step(ctx, 'look for a cached installed tree', async (sc) => {
        const have = await cachedTreePackages(sc, cached);
        return have && packagesToAdd(have, resolved.packages);
      });
  if (add) {
    const initramfs = cachedInitramfs(cached);
    const added = await step(
      ctx,
      add.length
        ? `reuse the cached tree, install ${add.length} more package${add.length === 1 ? '' : 's'}`
        : 'reuse the cached tree (same packages)',
      async (sc) => {
        await copyTree(sc, cached, rootfs);
        return addPackages(sc, {
          tf,
          root: rootfs,
          skeleton: skeletonDir(o.cacheRoot, tf),
          debCacheDir: o.debCacheDir,
          add,
          resolved: resolved.packages,
          requested: requestedPackages(tf),
        });
      },
    );
    if (added.initramfsChange)
      ctx.reporter.info(`initramfs will be rebuilt: ${added.initramfsChange}`);
    const fits = !added.initramfsChange;
    // The cached tree is this tree already when nothing was added.
    if (add.length > 0) await saveStep(ctx, rootfs, cached, fits);
    return { cached, initramfs: fits ? initramfs : undefined };
  }
  // Lockfile: exact versions; otherwise the package names (apt resolves the same set).
  const packages = o.lock ? o.lock.packages.map(pinnedSpec) : requestedPackages(tf);
  await step(ctx, `bootstrap Debian ${tf.suite} (${packages.length} packages + deps)`, (sc) =>
    bootstrap(sc, { tf, packages, target: rootfs, debCacheDir: o.debCacheDir, work: o.work }),
  );
  await saveStep(ctx, rootfs, cached);
  return { cached };
}

function saveStep(
  ctx: Context,
  rootfs: string,
  cached: string,
  initramfsStillFits = false,
): Promise<void> {
  return step(ctx, 'keep the installed tree for incremental composes', (sc) =>
    saveTree(sc, rootfs, cached, initramfsStillFits),
  );
}
