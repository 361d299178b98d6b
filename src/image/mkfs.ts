/**
 * Make a partition's filesystem from a staging tree, loop-free. ext4: the host's mkfs.ext4
 * writes straight into the disk at the partition's offset (`-d DIR -E offset=`). XFS and
 * Btrfs: their mkfs fills a partition-sized sparse image from the directory (`-p DIR`,
 * `--rootdir DIR`), which is then copied into the disk, skipping holes.
 */
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { StepContext } from '../core/context.ts';
import { UsageError } from '../core/errors.ts';
import { run } from '../core/run.ts';
import { type FsTools, toolArgv, xfsConfigFor } from './fs-tools.ts';
import { type PartitionPlan, SECTOR } from './partitions.ts';

export interface MkfsInput {
  disk: string;
  partition: PartitionPlan;
  stage: string;
  /** Scratch directory for partition images. */
  work: string;
  /** Needed for xfs and btrfs. */
  tools?: FsTools;
  /** Kernel of the image (picks the XFS feature set it can mount). */
  kernelVersion?: string;
}

export async function makeFilesystem(sc: StepContext, m: MkfsInput): Promise<void> {
  const p = m.partition;
  const bytes = p.sectors * SECTOR;
  if (p.filesystem === 'ext4') {
    await run(sc, [
      'mkfs.ext4',
      '-q',
      '-F',
      '-d',
      m.stage,
      '-L',
      p.name,
      '-U',
      p.uuid ?? 'random',
      '-E',
      `offset=${p.startSector * SECTOR},root_owner=0:0`,
      m.disk,
      `${bytes / 1024}k`,
    ]);
    return;
  }
  if (p.filesystem !== 'xfs' && p.filesystem !== 'btrfs') {
    throw new Error(`makeFilesystem: ${p.filesystem} is not made from a directory`);
  }
  if (!m.tools) throw new Error(`makeFilesystem: ${p.filesystem} needs the fetched mkfs tools`);
  const img = join(m.work, `${p.name}.${p.filesystem}.img`);
  await run(sc, ['truncate', `--size=${bytes}`, img]);
  if (p.filesystem === 'xfs') {
    if (!m.kernelVersion) throw new Error('makeFilesystem: xfs needs the kernel version');
    await run(
      sc,
      toolArgv(m.tools, 'mkfs.xfs', [
        '-q',
        '-f',
        '-c',
        `options=${xfsConfigFor(m.tools, m.kernelVersion)}`,
        '-L',
        p.name,
        ...(p.uuid ? ['-m', `uuid=${p.uuid}`] : []),
        '-p',
        m.stage,
        img,
      ]),
    );
  } else {
    // mkfs.btrfs sizes a --rootdir image by its own estimate and grows the file when the
    // estimate exceeds it (hard links count once per name: an OSTree sysroot is estimated at
    // ~3.5x its size). So: make the smallest filesystem that holds the tree, check it fits,
    // then grow it offline to the whole partition.
    await run(
      sc,
      toolArgv(m.tools, 'mkfs.btrfs', [
        '-q',
        '-f',
        '-L',
        p.name,
        ...(p.uuid ? ['-U', p.uuid] : []),
        '--shrink',
        '--rootdir',
        m.stage,
        img,
      ]),
    );
    const needed = statSync(img).size;
    if (needed > bytes) {
      throw new UsageError(
        `the ${p.name} filesystem (btrfs) needs ${mib(needed)} MiB but its partition has ${mib(bytes)} MiB: raise disk.size by at least ${mib(needed - bytes) + 1} MiB`,
      );
    }
    await run(sc, ['truncate', `--size=${bytes}`, img]);
    await run(sc, toolArgv(m.tools, 'btrfs', ['filesystem', 'resize', '--offline', 'max', img]));
  }
  const made = statSync(img).size;
  if (made !== bytes) {
    throw new Error(`mkfs.${p.filesystem} left a ${made}-byte image for a ${bytes}-byte partition`);
  }
  await copyInto(sc, img, m.disk, p.startSector * SECTOR);
  rmSync(img);
}

const mib = (n: number) => Math.ceil(n / 2 ** 20);

/** Copy an image file into `disk` at byte `offset`, leaving holes as holes. */
export async function copyInto(
  sc: StepContext,
  img: string,
  disk: string,
  offset: number,
): Promise<void> {
  await run(sc, [
    'dd',
    `if=${img}`,
    `of=${disk}`,
    'bs=1M',
    `seek=${offset}`,
    'oflag=seek_bytes',
    'conv=notrunc,sparse',
    'status=none',
  ]);
}
