/**
 * The kernel of an OSTree/bootc tree: exactly one directory under /usr/lib/modules, holding
 * vmlinuz and initramfs.img (ostree's and bootc's layout; ostree-prepare-root is in the
 * initramfs). Every stage asks the same question, so it is answered once here.
 */
import { BuildError } from '../core/errors.ts';
import type { Tree } from '../core/tree.ts';

export const MODULES_DIR = 'usr/lib/modules';

/** The kernel versions in a tree (names under /usr/lib/modules), sorted. */
export function kernelVersions(tree: Tree): string[] {
  return tree.readdir(MODULES_DIR).sort();
}

/** The one kernel version of a tree. Throws BuildError naming what was found otherwise. */
export function onlyKernel(tree: Tree): string {
  const kvers = kernelVersions(tree);
  if (kvers.length !== 1)
    throw new BuildError(
      `expected exactly one kernel in /${MODULES_DIR}, found: ${kvers.join(', ') || 'none'}`,
    );
  return kvers[0] as string;
}
