import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { patchBootImg, patchCoreImg } from '../../src/image/bios-boot.ts';
import { xfsConfigFor } from '../../src/image/fs-tools.ts';
import {
  GPT_TYPE,
  minimumDiskBytes,
  planPartitions,
  SECTOR,
  sfdiskScript,
} from '../../src/image/partitions.ts';
import { fstab } from '../../src/image/sysroot.ts';

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

test('BIOS boot sector: 440 code bytes, core.img LBA at 0x5c, drive check NOPed', () => {
  const bootImg = Buffer.alloc(512, 0xaa);
  const code = patchBootImg(bootImg, 2048);
  assert.equal(code.length, 440);
  assert.equal(code.readBigUInt64LE(0x5c), 2048n);
  assert.equal(code[0x66], 0x90);
  assert.equal(code[0x67], 0x90);
  assert.equal(code[0], 0xaa, 'the rest of the code is untouched');
  assert.throws(() => patchBootImg(Buffer.alloc(100), 1), /512 bytes/);
});

test('core.img blocklist points at the sectors after the first', () => {
  const core = Buffer.alloc(512 * 60 + 100, 1);
  const out = patchCoreImg(core, 2048, 2048);
  assert.equal(out.length, 512 * 61, 'padded to whole sectors');
  assert.equal(out.readBigUInt64LE(500), 2049n);
  assert.equal(out.readUInt16LE(508), 60);
  assert.equal(out.readUInt16LE(510), 0x820);
  assert.throws(() => patchCoreImg(core, 2048, 10), /needs 61 sectors/);
});

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

test('mkfs.xfs feature set: the newest LTS config not newer than the image kernel', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xfsconf-'));
  const confDir = join(dir, 'usr/share/xfsprogs/mkfs');
  mkdirSync(confDir, { recursive: true });
  for (const v of ['5.10', '6.1', '6.6', '6.12', '6.18'])
    writeFileSync(join(confDir, `lts_${v}.conf`), '');
  writeFileSync(join(confDir, 'dax_x86_64.conf'), '');
  const t = { dir };
  assert.equal(xfsConfigFor(t, '6.12.118+deb13-amd64'), join(confDir, 'lts_6.12.conf'));
  assert.equal(xfsConfigFor(t, '6.17.1-amd64'), join(confDir, 'lts_6.12.conf'));
  assert.equal(xfsConfigFor(t, '6.1.0-40-amd64'), join(confDir, 'lts_6.1.conf'));
  assert.equal(xfsConfigFor(t, '7.0.2'), join(confDir, 'lts_6.18.conf'));
  assert.throws(() => xfsConfigFor(t, '4.19.0'), /no mkfs\.xfs feature set for kernel 4\.19\.0/);
});
