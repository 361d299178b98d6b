import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planPartitions } from '../../../src/image/partitions.ts';
import { fstab } from '../../../src/image/sysroot.ts';

const GiB = 2 ** 30;
const MiB = 2 ** 20;

test('root filesystem: planned as asked; fstab type and fsck pass follow it', () => {
  const sizes = { diskBytes: 4 * GiB, espBytes: 128 * MiB, bootBytes: 1024 * MiB };
  for (const fs of ['ext4', 'xfs', 'btrfs'] as const) {
    const root = planPartitions({ ...sizes, rootFilesystem: fs }).find((p) => p.name === 'root');
    assert.equal(root?.filesystem, fs);
    const boot = planPartitions({ ...sizes, rootFilesystem: fs }).find((p) => p.name === 'boot');
    assert.equal(boot?.filesystem, 'ext4', '/boot stays ext4 (GRUB reads it)');
  }
  assert.match(fstab('r', 'b', 'xfs'), /^UUID=r \/ xfs defaults 0 0$/m);
  assert.match(fstab('r', 'b', 'btrfs'), /^UUID=r \/ btrfs defaults 0 0$/m);
  assert.match(fstab('r', 'b'), /^UUID=r \/ ext4 defaults 1 1$/m);
  assert.match(fstab('r', 'b', 'xfs'), /^UUID=b \/boot ext4 defaults 1 2$/m);
});
