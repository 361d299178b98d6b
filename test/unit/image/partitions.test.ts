import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  GPT_TYPE,
  minimumDiskBytes,
  planPartitions,
  SECTOR,
  sfdiskScript,
} from '../../../src/image/partitions.ts';

const GiB = 2 ** 30;
const MiB = 2 ** 20;

test('partitions: BIOS boot, ESP, /boot, root; 1 MiB aligned; root fills the disk', () => {
  const parts = planPartitions({ diskBytes: 4 * GiB, espBytes: 128 * MiB, bootBytes: 1024 * MiB });
  assert.deepEqual(
    parts.map((p) => p.name),
    ['bios-boot', 'esp', 'boot', 'root'],
  );
  for (const p of parts) {
    assert.equal(p.startSector % 2048, 0, `${p.name} start aligned`);
    assert.equal(p.sectors % 2048, 0, `${p.name} size aligned`);
  }
  for (let i = 1; i < parts.length; i++) {
    const prev = parts[i - 1];
    assert.equal(
      parts[i]?.startSector,
      (prev?.startSector ?? 0) + (prev?.sectors ?? 0),
      'contiguous',
    );
  }
  const root = parts[3];
  assert.ok(root);
  const end = (root.startSector + root.sectors) * SECTOR;
  assert.ok(end <= 4 * GiB - 33 * SECTOR, 'room for the backup GPT');
  assert.ok(4 * GiB - end < 2 * MiB, 'root takes the rest');
  assert.equal(root.type, GPT_TYPE.rootX86_64);
});

test('partitions: a disk too small for a root partition is rejected', () => {
  assert.throws(
    () => planPartitions({ diskBytes: 1100 * MiB, espBytes: 128 * MiB, bootBytes: 1024 * MiB }),
    /no room/,
  );
});

test('minimum disk size holds the fixed partitions plus the root', () => {
  const min = minimumDiskBytes(500 * MiB);
  const parts = planPartitions({ diskBytes: min, espBytes: 128 * MiB, bootBytes: 1024 * MiB });
  assert.ok((parts[3]?.sectors ?? 0) * SECTOR >= 500 * MiB);
});

test('sfdisk script names every partition with its type', () => {
  const parts = planPartitions({ diskBytes: 2 * GiB, espBytes: 128 * MiB, bootBytes: 512 * MiB });
  const s = sfdiskScript(parts, '11111111-2222-3333-4444-555555555555');
  assert.match(s, /^label: gpt$/m);
  assert.match(s, /^label-id: 11111111-2222-3333-4444-555555555555$/m);
  assert.match(
    s,
    /^start=2048, size=2048, type=21686148-6449-6E6F-744E-656564454649, name="bios-boot"$/m,
  );
  assert.equal(s.match(/^start=/gm)?.length, 4);
});
