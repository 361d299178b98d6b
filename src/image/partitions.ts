/**
 * Partition layout of the disk, computed in sectors (pure, unit-tested). One GPT disk boots
 * under BIOS and UEFI: a BIOS-boot partition holds GRUB's core.img, the ESP holds GRUB's EFI
 * binary, a separate ext4 /boot holds the BLS entries and kernels ostree writes (GRUB 2.14's
 * blscfg reads them; a separate /boot avoids the blsuki regression with /boot on the root fs),
 * and the root partition takes the rest.
 */
import { DEFAULT_SIZES } from '../recipe/schema.ts';

export const SECTOR = 512;
const MiB = 1024 * 1024;
const ALIGN = MiB / SECTOR; // 2048 sectors
/** The backup GPT needs 33 sectors at the end; keep the last MiB free. */
const TAIL = ALIGN;

export const GPT_TYPE = {
  biosBoot: '21686148-6449-6E6F-744E-656564454649',
  esp: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B',
  linuxData: '0FC63DAF-8483-4772-8E79-3D69D8477DE4',
  rootX86_64: '4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709',
} as const;

export interface PartitionPlan {
  name: 'bios-boot' | 'esp' | 'boot' | 'root';
  type: string;
  startSector: number;
  sectors: number;
  filesystem: 'none' | 'vfat' | 'ext4' | 'xfs' | 'btrfs';
  /** Filesystem UUID (vfat: volume id as XXXX-XXXX). */
  uuid?: string;
  mountpoint?: string;
}

export interface LayoutSizes {
  diskBytes: number;
  espBytes: number;
  bootBytes: number;
  /** Filesystem of the root partition (default ext4). */
  rootFilesystem?: 'ext4' | 'xfs' | 'btrfs';
}

/** Minimum disk size to hold a root filesystem of `rootBytes` plus the fixed partitions. */
export function minimumDiskBytes(rootBytes: number, s = DEFAULT_SIZES): number {
  return (ALIGN + ALIGN) * SECTOR + s.espBytes + s.bootBytes + alignUp(rootBytes) + TAIL * SECTOR;
}

export function planPartitions(sizes: LayoutSizes): PartitionPlan[] {
  const total = Math.floor(sizes.diskBytes / SECTOR);
  const parts: PartitionPlan[] = [];
  let next = ALIGN;
  const add = (p: Omit<PartitionPlan, 'startSector'>) => {
    parts.push({ ...p, startSector: next });
    next += p.sectors;
  };
  add({ name: 'bios-boot', type: GPT_TYPE.biosBoot, sectors: ALIGN, filesystem: 'none' });
  add({
    name: 'esp',
    type: GPT_TYPE.esp,
    sectors: alignUp(sizes.espBytes) / SECTOR,
    filesystem: 'vfat',
  });
  add({
    name: 'boot',
    type: GPT_TYPE.linuxData,
    sectors: alignUp(sizes.bootBytes) / SECTOR,
    filesystem: 'ext4',
    mountpoint: '/boot',
  });
  const rootSectors = Math.floor((total - TAIL - next) / ALIGN) * ALIGN;
  if (rootSectors < ALIGN * 64) {
    throw new RangeError(`disk of ${sizes.diskBytes} bytes leaves no room for the root partition`);
  }
  add({
    name: 'root',
    type: GPT_TYPE.rootX86_64,
    sectors: rootSectors,
    filesystem: sizes.rootFilesystem ?? 'ext4',
    mountpoint: '/',
  });
  return parts;
}

/** Input for `sfdisk` describing the layout. */
export function sfdiskScript(parts: readonly PartitionPlan[], diskGuid: string): string {
  const lines = ['label: gpt', `label-id: ${diskGuid}`, 'unit: sectors', 'first-lba: 2048', ''];
  for (const p of parts) {
    lines.push(`start=${p.startSector}, size=${p.sectors}, type=${p.type}, name="${p.name}"`);
  }
  return `${lines.join('\n')}\n`;
}

export function alignUp(bytes: number): number {
  return Math.ceil(bytes / MiB) * MiB;
}
