/**
 * Files from a newer Debian suite, unpacked (not installed) with `mmdebstrap --variant=extract`
 * into a cache directory. The disk builder needs a few tools newer than the host's: GRUB 2.14
 * (blscfg) and mkfs programs that can populate XFS/Btrfs from a directory.
 */
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import type { StepContext } from '../core/context.ts';
import { APT_OPTIONS } from '../core/debian.ts';
import { run } from '../core/run.ts';

export const NEWER_SUITE = 'forky';

/**
 * Make sure `dir` holds the result of `prepare(root)` run on an extraction of `packages`
 * (and their dependencies). Built next to `dir` and renamed into place, so an interrupted
 * fetch never leaves a half-filled cache; `ready(dir)` says whether the cache is complete.
 */
export async function cachedExtract(
  sc: StepContext,
  o: {
    dir: string;
    packages: string[];
    ready: (dir: string) => boolean;
    /** Move what is needed from the extracted `root` into `out` (both inside one temp dir). */
    prepare: (root: string, out: string) => void | Promise<void>;
  },
): Promise<string> {
  if (o.ready(o.dir)) return o.dir;
  const tmp = `${o.dir}.tmp-${process.pid}`;
  const root = `${tmp}.root`;
  if (existsSync(tmp)) await run(sc, ['rm', '-rf', tmp]);
  mkdirSync(tmp, { recursive: true });
  try {
    await run(sc, [
      'mmdebstrap',
      '--mode=root',
      '--variant=extract',
      ...APT_OPTIONS,
      `--include=${o.packages.join(',')}`,
      NEWER_SUITE,
      root,
    ]);
    await o.prepare(root, tmp);
  } finally {
    await run(sc, ['rm', '-rf', '--one-file-system', root]);
  }
  if (existsSync(o.dir)) await run(sc, ['rm', '-rf', o.dir]);
  renameSync(tmp, o.dir);
  return o.dir;
}
