import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  formatInstallPlan,
  type InstallPlanInput,
  planInstall,
  type TargetInfo,
  writeArgv,
} from '../../../src/workflows/install-plan.ts';

const MiB = 2 ** 20;
const GiB = 2 ** 30;
const GPT = [
  { type: 'gpt', offset: 0x200 },
  { type: 'gpt', offset: 0x3fffe00 },
  { type: 'PMBR', offset: 0x1fe },
];

const target = (t: Partial<TargetInfo> = {}): TargetInfo => ({
  path: '/dev/sdz',
  kind: 'block',
  bytes: 16 * GiB,
  signatures: [],
  inUse: [],
  ...t,
});
const input = (t: Partial<TargetInfo> = {}, i: Partial<InstallPlanInput> = {}) => ({
  target: target(t),
  image: 'oci-archive:/b/debian-minimal.ociarchive',
  recipe: 'debian-minimal',
  minBytes: 3 * GiB,
  wipe: false,
  ...i,
});

test('a blank target that is large enough may be written; the disk is all of it', () => {
  const p = planInstall(input());
  assert.equal(p.refusal, undefined);
  assert.equal(p.diskBytes, 16 * GiB);
});

test('the disk is the target rounded down to a whole MiB', () => {
  assert.equal(planInstall(input({ bytes: 16 * GiB + 123_456 })).diskBytes, 16 * GiB);
  assert.equal(planInstall(input({ bytes: 15_000_000_000 })).diskBytes, 14_305 * MiB);
  // Just enough once rounded down; one byte less is a MiB short.
  assert.equal(planInstall(input({ bytes: 3 * GiB + MiB - 1 })).refusal, undefined);
  assert.match(planInstall(input({ bytes: 3 * GiB - 1 })).refusal ?? '', /too small/);
});

test('a target smaller than the image needs is refused, with both sizes', () => {
  const p = planInstall(input({ bytes: 2 * GiB }));
  assert.equal(p.refusal, '/dev/sdz is too small: 2048 MiB, the image needs at least 3072 MiB');
});

test('signatures are refused without --wipe and allowed with it', () => {
  const without = planInstall(input({ signatures: GPT }));
  assert.equal(
    without.refusal,
    '/dev/sdz holds a partition table/filesystem (gpt, PMBR); pass --wipe to overwrite',
  );
  assert.equal(planInstall(input({ signatures: GPT }, { wipe: true })).refusal, undefined);
});

test('a target in use is refused, also with --wipe; a partition is refused', () => {
  const mounted = planInstall(
    input({ inUse: ['sdz2 mounted at /mnt (ext4)'], signatures: GPT }, { wipe: true }),
  );
  assert.equal(
    mounted.refusal,
    '/dev/sdz is in use (sdz2 mounted at /mnt (ext4)): stop using it first',
  );
  const part = planInstall(input({ path: '/dev/sdz1', partitionOf: '/dev/sdz' }));
  assert.match(
    part.refusal ?? '',
    /^\/dev\/sdz1 is a partition of \/dev\/sdz: install to-disk takes a whole disk$/,
  );
});

test('a file named as another format than raw is refused (boot-test and run go by the name)', () => {
  const p = planInstall(input({ kind: 'file', path: '/d/vm.qcow2' }));
  assert.equal(
    p.refusal,
    '/d/vm.qcow2 is named as a qcow2 image, but install to-disk writes a raw disk: use a .raw or .img file',
  );
  assert.equal(planInstall(input({ kind: 'file', path: '/d/vm.img' })).refusal, undefined);
});

test('every reason is reported at once', () => {
  const p = planInstall(
    input({ bytes: GiB, signatures: [{ type: 'ext4', offset: 0x438 }], inUse: ['sdz is swap'] }),
  );
  const reasons = (p.refusal ?? '').split('; /dev/sdz ');
  assert.equal(reasons.length, 3, p.refusal);
  assert.match(p.refusal ?? '', /in use .*too small.*\(ext4\); pass --wipe/);
});

test('the plan as JSON', () => {
  const p = planInstall(
    input({ kind: 'file', path: '/d/disk.raw', bytes: 8 * GiB + 7, signatures: GPT }),
  );
  assert.deepEqual(JSON.parse(JSON.stringify(p)), {
    target: {
      path: '/d/disk.raw',
      kind: 'file',
      bytes: 8 * GiB + 7,
      signatures: [
        { type: 'gpt', offset: 512 },
        { type: 'gpt', offset: 67108352 },
        { type: 'PMBR', offset: 510 },
      ],
      inUse: [],
    },
    image: 'oci-archive:/b/debian-minimal.ociarchive',
    recipe: 'debian-minimal',
    diskBytes: 8 * GiB,
    minBytes: 3 * GiB,
    wipe: false,
    refusal: '/d/disk.raw holds a partition table/filesystem (gpt, PMBR); pass --wipe to overwrite',
  });
});

test('the printed plan names the target, its contents and the refusal', () => {
  const text = formatInstallPlan(planInstall(input({ signatures: GPT })), true);
  assert.match(text, /^install plan \(dry run/);
  assert.match(text, /target {5}\/dev\/sdz \(block device, 16\.0 GiB, 17179869184 bytes\)/);
  assert.match(text, /contents {3}gpt at 0x200, gpt at 0x3fffe00, PMBR at 0x1fe/);
  assert.match(text, /refused {4}\/dev\/sdz holds/);
  assert.match(formatInstallPlan(planInstall(input()), false), /ok {9}the target may be written/);
});

test('the disk is written without creating the target, flushed at the end', () => {
  assert.deepEqual(writeArgv('/w/x.raw', '/dev/sdz', 'block'), [
    'qemu-img',
    'convert',
    '-n',
    '-t',
    'none',
    '-f',
    'raw',
    '-O',
    'raw',
    '/w/x.raw',
    '/dev/sdz',
  ]);
  const file = writeArgv('/w/x.raw', '/d/disk.raw', 'file');
  assert.deepEqual(file.slice(3, 5), ['-t', 'writeback']);
});
