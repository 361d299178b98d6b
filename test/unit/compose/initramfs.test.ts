import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dracutArgs } from '../../../src/compose/initramfs.ts';
import { INITRAMFS_PROFILES } from '../../../src/treefile/schema.ts';

/** The value after `flag` in an argument list. */
const after = (args: string[], flag: string) => args[args.indexOf(flag) + 1] ?? '';

test('every profile compresses with zstd', () => {
  for (const p of INITRAMFS_PROFILES) assert.equal(after(dracutArgs(p), '--compress'), 'zstd', p);
});

test('pc keeps the generic driver set: it trims, never replaces it', () => {
  const args = dracutArgs('pc');
  assert.ok(!args.includes('--drivers'), 'an exclusive driver list would drop PC hardware');
  assert.equal(after(args, '--omit'), 'hwdb');
  const fs = after(args, '--filesystems').split(' ');
  for (const f of ['ext4', 'xfs', 'btrfs', 'vfat', 'overlay', 'erofs', 'squashfs', 'isofs'])
    assert.ok(fs.includes(f), f);
  const omitted = after(args, '--omit-drivers').split(' ');
  for (const d of ['ahci', 'nvme', 'usb_storage', 'virtio_blk', 'xhci_pci', 'e1000e'])
    assert.ok(!omitted.includes(d), `${d} stays`);
});

test('vm is an exclusive list of what QEMU/KVM guests boot from; generic is dracut as is', () => {
  const drivers = after(dracutArgs('vm'), '--drivers').split(' ');
  for (const d of ['virtio_blk', 'virtio_scsi', 'virtio_pci', 'ahci', 'nvme'])
    assert.ok(drivers.includes(d), d);
  assert.deepEqual(dracutArgs('generic'), ['--compress', 'zstd']);
});
