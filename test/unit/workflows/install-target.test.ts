import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { UsageError } from '../../../src/core/errors.ts';
import { findOnPath } from '../../../src/core/host-tools.ts';
import {
  blockDeviceUsage,
  devNumber,
  inspectTarget,
  loopDevicesOf,
  mountsOf,
  parseWipefs,
  readSysBlock,
  resolveTarget,
  swapsOn,
} from '../../../src/workflows/install-target.ts';
import { testContext } from '../../helpers/context.ts';
import { scratchDir } from '../../helpers/scratch.ts';

const MiB = 2 ** 20;

test('wipefs finds a GPT on a scratch file and nothing on a fresh sparse one', async (t) => {
  if (!findOnPath('wipefs') || !findOnPath('sfdisk')) return t.skip('wipefs or sfdisk missing');
  const dir = scratchDir('install-target');
  const disk = join(dir, 'disk.raw');
  writeFileSync(disk, '');
  spawnSync('truncate', ['-s', '64M', disk]);
  const ctx = testContext();
  const fresh = await inspectTarget(ctx, disk);
  assert.deepEqual(fresh, { path: disk, kind: 'file', bytes: 64 * MiB, signatures: [], inUse: [] });
  const sf = spawnSync('sfdisk', ['--quiet', disk], { input: 'label: gpt\n,\n' });
  assert.equal(sf.status, 0, sf.stderr.toString());
  const gpt = await inspectTarget(ctx, disk);
  assert.deepEqual(gpt.signatures.map((s) => `${s.type}@${s.offset}`).sort(), [
    'PMBR@510',
    'gpt@512',
    `gpt@${64 * MiB - 512}`,
  ]);
  await ctx.scope.close();
});

test('wipefs JSON: an empty document, util-linux 2.38 signatures, and nonsense', () => {
  assert.deepEqual(parseWipefs(''), []);
  assert.deepEqual(parseWipefs('{\n   "signatures": [\n\n   ]\n}\n'), []);
  const ext4 = `{"signatures": [{"device": "b.img", "offset": "0x438", "type": "ext4",
    "uuid": "39ed60c9-4881-4292-8342-91e49d1f9bd1", "label": null}]}`;
  assert.deepEqual(parseWipefs(ext4), [
    { type: 'ext4', offset: 0x438, uuid: '39ed60c9-4881-4292-8342-91e49d1f9bd1' },
  ]);
  assert.throws(() => parseWipefs('{"signatures": [{"offset": "/etc"}]}'), /unexpected document/);
});

test('a target that does not exist or is neither a device nor a file is a usage error', () => {
  const dir = scratchDir('install-target');
  assert.throws(
    () => resolveTarget(join(dir, 'nope')),
    (e) => e instanceof UsageError && /nope does not exist/.test(e.message),
  );
  assert.throws(
    () => resolveTarget(dir),
    (e) =>
      e instanceof UsageError && /is neither a block device nor a regular file/.test(e.message),
  );
  const file = join(dir, 'disk.raw');
  writeFileSync(file, '');
  symlinkSync(file, join(dir, 'link'));
  assert.deepEqual(resolveTarget(join(dir, 'link')), { path: file, kind: 'file' });
});

test('device numbers decode as glibc major()/minor() do', () => {
  assert.equal(devNumber(BigInt((8 << 8) | 17)), '8:17');
  assert.equal(devNumber(BigInt((259 << 8) | 1)), '259:1');
  // minor 300: low 8 bits in place, the rest above bit 20.
  assert.equal(devNumber(BigInt((8 << 8) | 44 | (256 << 12))), '8:300');
});

const SDZ = new Map([
  ['8:16', 'sdz'],
  ['8:17', 'sdz1'],
  ['8:18', 'sdz2'],
]);

test('mounts of the device or a partition, by device number or (btrfs) by source', () => {
  const mountinfo = [
    '21 26 0:20 / /proc rw,relatime - proc proc rw',
    '30 26 8:18 / /mnt/my\\040disk rw,relatime shared:5 - ext4 /dev/sdz2 rw',
    '31 26 0:45 / /srv rw,relatime - btrfs /dev/disk/by-label/data rw',
    '32 26 8:33 / /other rw - ext4 /dev/sdc1 rw',
    '',
  ].join('\n');
  const bySource = (s: string) => (s === '/dev/disk/by-label/data' ? '8:17' : undefined);
  assert.deepEqual(mountsOf(mountinfo, SDZ, bySource), [
    'sdz2 mounted at /mnt/my disk (ext4)',
    'sdz1 mounted at /srv (btrfs)',
  ]);
  assert.deepEqual(mountsOf(mountinfo, new Map([['8:48', 'sdd']]), bySource), []);
});

test('swap on the device or a partition', () => {
  const swaps = [
    'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority',
    '/dev/sdz1                               partition\t8388604\t\t0\t\t-2',
    '/swap\\040file                           file\t\t1024\t\t0\t\t-3',
  ].join('\n');
  const devOf = (p: string) => (p === '/dev/sdz1' ? '8:17' : undefined);
  assert.deepEqual(swapsOn(swaps, SDZ, devOf), ['sdz1 is swap']);
});

test('sysfs: partitions are the subdirectories with a partition file; holders; the parent disk', () => {
  const sys = join(scratchDir('sys'), 'sdz');
  const put = (rel: string, text = '') => {
    mkdirSync(join(sys, rel, '..'), { recursive: true });
    writeFileSync(join(sys, rel), text);
  };
  put('dev', '8:16\n');
  put('sdz1/partition', '1\n');
  put('sdz1/dev', '8:17\n');
  mkdirSync(join(sys, 'sdz1/holders/dm-0'), { recursive: true });
  put('sdz2/partition', '2\n');
  put('sdz2/dev', '8:18\n');
  put('device/dev', '241:0\n'); // the controller's char device: not a partition
  mkdirSync(join(sys, 'holders'));
  mkdirSync(join(sys, 'queue'));
  const b = readSysBlock(sys, '8:16');
  assert.deepEqual([...b.devs], [...SDZ]);
  assert.deepEqual(b.holders, ['sdz1 held by dm-0']);
  assert.equal(b.parent, undefined);
  assert.equal(readSysBlock(join(sys, 'sdz1'), '8:17').parent, 'sdz');
});

test('a file attached to a loop device is in use', () => {
  const dir = scratchDir('loops');
  const file = join(dir, 'disk.raw');
  writeFileSync(file, '');
  const other = join(dir, 'other.raw');
  writeFileSync(other, '');
  mkdirSync(join(dir, 'block/loop7/loop'), { recursive: true });
  writeFileSync(join(dir, 'block/loop7/loop/backing_file'), `${file}\n`);
  mkdirSync(join(dir, 'block/loop8/loop'), { recursive: true });
  writeFileSync(join(dir, 'block/loop8/loop/backing_file'), `${join(dir, 'gone')} (deleted)\n`);
  mkdirSync(join(dir, 'block/sda'), { recursive: true });
  assert.deepEqual(loopDevicesOf(file, join(dir, 'block')), ['attached to /dev/loop7']);
  assert.deepEqual(loopDevicesOf(other, join(dir, 'block')), []);
});

test('the block device holding / is in use (when / is on one this test can see)', (t) => {
  const dev = devNumber(statSync('/', { bigint: true }).dev);
  const uevent = `/sys/dev/block/${dev}/uevent`;
  const name = existsSync(uevent)
    ? readFileSync(uevent, 'utf8').match(/^DEVNAME=(.+)$/m)?.[1]
    : undefined;
  if (!name || !existsSync(`/dev/${name}`)) return t.skip(`/ is not on a visible block device`);
  const usage = blockDeviceUsage(`/dev/${name}`);
  assert.ok(
    usage.inUse.some((u) => / mounted at \/ /.test(u)),
    usage.inUse.join('\n'),
  );
});
