/**
 * What goes into the one initramfs compose builds: dracut's arguments for the treefile's
 * `initramfs-profile`. The initramfs is generic (not host-only: it must boot machines compose
 * never saw), but dracut's generic set carries much that no Debian Atomic system boots from, and
 * every byte of it is read by GRUB, decompressed by the kernel and unpacked again into /run by
 * dracut-shutdown.service at every boot.
 *
 * - `pc` (the default): dracut's generic set without the udev hardware database (13 MiB that
 *   udev in the initramfs does not need to find the root disk), with only the filesystems a
 *   Debian Atomic root, /boot, ESP, installer medium or composefs use, and without Fibre Channel
 *   host adapters (SAN boot). Every storage, USB and input driver of the generic set stays:
 *   SATA/AHCI, NVMe, VMD, USB storage and keyboards, MMC/SD, UFS, virtio, Hyper-V. (The generic
 *   set carries almost no NIC drivers: this initramfs does not bring up a network.)
 * - `vm`: only what QEMU/KVM guests boot from (virtio, SATA/AHCI, NVMe, SCSI disks and CD), no
 *   generic driver set. Not for real hardware.
 * - `generic`: dracut's generic set unchanged (what rpm-ostree composes ship).
 *
 * All profiles compress with zstd (dracut's level 15): the kernel unpacks it several times
 * faster than gzip. Debian's kernels have CONFIG_RD_ZSTD; `zstd` is a boot package.
 * A treefile's `initramfs-args` come after these, so they can add modules or drivers back.
 */

import type { InitramfsProfile } from '../treefile/schema.ts';

/** Kernel filesystem modules a Debian Atomic system mounts from the initramfs or early on. */
const FILESYSTEMS = [
  'ext4',
  'xfs',
  'btrfs',
  'vfat',
  'nls_cp437',
  'nls_iso8859-1',
  'nls_utf8',
  'isofs',
  'squashfs',
  'overlay',
  'erofs',
];

/** Fibre Channel and FCoE host bus adapters: SAN boot, not a PC. */
const FIBRE_CHANNEL = ['lpfc', 'qla2xxx', 'qla4xxx', 'bfa', 'qedf', 'fnic', 'csiostor', 'libfc'];

/** What a QEMU/KVM guest boots from (the `vm` profile's whole driver set). */
const VM_DRIVERS = [
  'virtio_pci',
  'virtio_blk',
  'virtio_scsi',
  'ahci',
  'ata_piix',
  'nvme',
  'sd_mod',
  'sr_mod',
];

/** dracut's arguments for a profile (before the treefile's initramfs-args). */
export function dracutArgs(profile: InitramfsProfile): string[] {
  const compress = ['--compress', 'zstd'];
  if (profile === 'generic') return compress;
  const trimmed = [...compress, '--omit', 'hwdb', '--filesystems', FILESYSTEMS.join(' ')];
  return profile === 'pc'
    ? [...trimmed, '--omit-drivers', FIBRE_CHANNEL.join(' ')]
    : [...trimmed, '--drivers', VM_DRIVERS.join(' ')];
}
