/**
 * Loop-free disk assembly on a sparse file: sfdisk writes the GPT, each filesystem is made
 * directly at its partition's offset from a staging tree (mkfs.ext4 -d), the ESP is built as a
 * small FAT image with mtools and copied in, and GRUB's boot code is written as bytes. No loop
 * device, no mount: nothing to leak on failure or Ctrl-C.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { StepContext } from '../core/context.ts';
import { run } from '../core/run.ts';
import { patchBootImg, patchCoreImg } from './bios-boot.ts';
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
}

export async function assembleDisk(sc: StepContext, a: AssembleInput): Promise<void> {
  await run(sc, ['truncate', `--size=${a.diskBytes}`, a.disk]);
  await run(sc, ['sfdisk', '--quiet', '--no-reread', '--no-tell-kernel', a.disk], {
    input: sfdiskScript(a.partitions, a.diskGuid),
  });
  for (const p of a.partitions) {
    if (p.filesystem === 'ext4') {
      const stage = p.name === 'root' ? a.rootStage : a.bootStage;
      await mkfsExt4(sc, a.disk, p, stage);
    } else if (p.filesystem === 'vfat') {
      await writeEsp(sc, a, p);
    }
  }
  writeBiosBoot(a);
}

async function mkfsExt4(
  sc: StepContext,
  disk: string,
  p: PartitionPlan,
  stage: string,
): Promise<void> {
  await run(sc, [
    'mkfs.ext4',
    '-q',
    '-F',
    '-d',
    stage,
    '-L',
    p.name,
    '-U',
    p.uuid ?? 'random',
    '-E',
    `offset=${p.startSector * SECTOR},root_owner=0:0`,
    disk,
    `${(p.sectors * SECTOR) / 1024}k`,
  ]);
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
  await run(sc, [
    'dd',
    `if=${img}`,
    `of=${a.disk}`,
    'bs=1M',
    `seek=${p.startSector * SECTOR}`,
    'oflag=seek_bytes',
    'conv=notrunc,sparse',
    'status=none',
  ]);
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
