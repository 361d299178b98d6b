/**
 * Loop-free disk assembly on a sparse file: sfdisk writes the GPT, each filesystem is made
 * from a staging tree (mkfs.ts: ext4 in place, XFS/Btrfs via a partition image), the ESP is built as a
 * small FAT image with mtools and copied in, and GRUB's boot code is written as bytes. No loop
 * device, no mount: nothing to leak on failure or Ctrl-C.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { StepContext } from '../core/context.ts';
import { run } from '../core/run.ts';
import { patchBootImg, patchCoreImg } from './bios-boot.ts';
import type { FsTools } from './fs-tools.ts';
import { copyInto, makeFilesystem } from './mkfs.ts';
import { type PartitionPlan, SECTOR, sfdiskScript } from './partitions.ts';

export interface AssembleInput {
  disk: string;
  diskBytes: number;
  diskGuid: string;
  partitions: PartitionPlan[];
  rootStage: string;
  bootStage: string;
  /** Files for the ESP: destination path (e.g. EFI/BOOT/BOOTX64.EFI) → source file. */
  espFiles: Record<string, string>;
  biosBootImg: string;
  biosCoreImg: string;
  work: string;
  /** mkfs.xfs / mkfs.btrfs, when the root filesystem is one of them. */
  fsTools?: FsTools;
  kernelVersion?: string;
}

export async function assembleDisk(sc: StepContext, a: AssembleInput): Promise<void> {
  await run(sc, ['truncate', `--size=${a.diskBytes}`, a.disk]);
  await run(sc, ['sfdisk', '--quiet', '--no-reread', '--no-tell-kernel', a.disk], {
    input: sfdiskScript(a.partitions, a.diskGuid),
  });
  for (const p of a.partitions) {
    if (p.filesystem === 'vfat') await writeEsp(sc, a, p);
    else if (p.filesystem !== 'none') {
      const stage = p.name === 'root' ? a.rootStage : a.bootStage;
      await makeFilesystem(sc, {
        disk: a.disk,
        partition: p,
        stage,
        work: a.work,
        tools: a.fsTools,
        kernelVersion: a.kernelVersion,
      });
    }
  }
  writeBiosBoot(a);
}

async function writeEsp(sc: StepContext, a: AssembleInput, p: PartitionPlan): Promise<void> {
  const img = join(a.work, 'esp.img');
  const volumeId = (p.uuid ?? '').replace('-', '');
  await run(sc, [
    'mkfs.vfat',
    '-C',
    '-F',
    '32',
    '-n',
    'ESP',
    ...(volumeId ? ['-i', volumeId] : []),
    img,
    String((p.sectors * SECTOR) / 1024),
  ]);
  const dirs = new Set<string>();
  for (const dest of Object.keys(a.espFiles)) {
    const parts = dest.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  for (const d of [...dirs].sort()) await run(sc, ['mmd', '-i', img, `::/${d}`]);
  for (const [dest, src] of Object.entries(a.espFiles))
    await run(sc, ['mcopy', '-i', img, src, `::/${dest}`]);
  await copyInto(sc, img, a.disk, p.startSector * SECTOR);
}

function writeBiosBoot(a: AssembleInput): void {
  const biosPart = a.partitions.find((p) => p.name === 'bios-boot');
  if (!biosPart) return;
  const mbrCode = patchBootImg(readFileSync(a.biosBootImg), biosPart.startSector);
  const core = patchCoreImg(readFileSync(a.biosCoreImg), biosPart.startSector, biosPart.sectors);
  const fd = openSync(a.disk, 'r+');
  try {
    writeSync(fd, mbrCode, 0, mbrCode.length, 0);
    writeSync(fd, core, 0, core.length, biosPart.startSector * SECTOR);
  } finally {
    closeSync(fd);
  }
}
