import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type BlockNode,
  chooseDisk,
  noDiskMessage,
  parseLsblk,
} from '../../../src/workflows/install-disk-choice.ts';

const GiB = 2 ** 30;
const disk = (path: string, size: number, n: Partial<BlockNode> = {}): BlockNode => ({
  path,
  type: 'disk',
  size,
  ro: false,
  rm: false,
  fstype: null,
  mountpoints: [null],
  ...n,
});
const part = (path: string, n: Partial<BlockNode> = {}): BlockNode => ({
  ...disk(path, GiB),
  type: 'part',
  ...n,
});

test('the first fixed, free, writable, blank disk that is large enough is chosen; the rest say why not', () => {
  const medium = disk('/dev/sda', 4 * GiB, {
    children: [part('/dev/sda1', { mountpoints: ['/run/initramfs/live'] })],
  });
  const c = chooseDisk(
    [
      disk('/dev/zram0', 2 * GiB),
      { ...disk('/dev/sr0', GiB), type: 'rom', mountpoints: ['/run/initramfs/live'] },
      { ...disk('/dev/loop0', GiB), type: 'loop' },
      medium,
      disk('/dev/sdb', 64 * GiB, { ro: true }),
      disk('/dev/sdc', 64 * GiB, { rm: true }),
      disk('/dev/vda', 2 * GiB),
      disk('/dev/vdb', 16 * GiB, { children: [part('/dev/vdb1')] }),
      disk('/dev/vdc', 16 * GiB, { fstype: 'ext4' }),
      disk('/dev/vdd', 8 * GiB),
      disk('/dev/vde', 100 * GiB),
    ],
    3 * GiB,
    false,
  );
  assert.equal(c.path, '/dev/vdd');
  assert.deepEqual(c.passed, [
    { path: '/dev/sda', why: 'in use (mounted on /run/initramfs/live)' },
    { path: '/dev/sdb', why: 'read-only' },
    { path: '/dev/sdc', why: 'removable (name it in installer.device to install there)' },
    { path: '/dev/vda', why: 'too small (2.0 GiB, the image needs 3.0 GiB)' },
    {
      path: '/dev/vdb',
      why: 'not blank (1 partition(s); installer.wipe: true allows overwriting it)',
    },
    {
      path: '/dev/vdc',
      why: 'not blank (a ext4 filesystem; installer.wipe: true allows overwriting it)',
    },
  ]);
});

test('wipefs’s signatures count even when lsblk shows no partitions (udev has not recorded them)', () => {
  const c = chooseDisk([disk('/dev/vda', 8 * GiB), disk('/dev/vdb', 8 * GiB)], GiB, false, {
    '/dev/vda': ['gpt', 'gpt', 'PMBR'],
    '/dev/vdb': [],
  });
  assert.equal(c.path, '/dev/vdb');
  assert.deepEqual(c.passed, [
    { path: '/dev/vda', why: 'not blank (gpt, PMBR; installer.wipe: true allows overwriting it)' },
  ]);
});

test('with installer.wipe a disk holding partitions qualifies; a mounted one never does', () => {
  const used = disk('/dev/vda', 16 * GiB, { children: [part('/dev/vda1')] });
  assert.equal(chooseDisk([used], GiB, true).path, '/dev/vda');
  const mounted = disk('/dev/vda', 16 * GiB, {
    children: [part('/dev/vda1', { mountpoints: ['/home'] })],
  });
  assert.equal(chooseDisk([mounted], GiB, true).path, undefined);
});

test('no disk qualifies: the message names each disk and why', () => {
  const c = chooseDisk([disk('/dev/vda', GiB)], 3 * GiB, false);
  assert.equal(c.path, undefined);
  assert.equal(
    noDiskMessage(c),
    'no disk to install onto: /dev/vda is too small (1.0 GiB, the image needs 3.0 GiB)',
  );
  assert.equal(
    noDiskMessage(chooseDisk([], GiB, false)),
    'no disk to install onto: this machine shows no disk',
  );
});

test('lsblk --json of util-linux 2.38 parses, nested partitions included; anything else is an error', () => {
  const out = JSON.stringify({
    blockdevices: [
      {
        path: '/dev/sr0',
        type: 'rom',
        size: 585664512,
        ro: false,
        rm: true,
        fstype: 'iso9660',
        mountpoints: ['/run/initramfs/live'],
      },
      {
        path: '/dev/vda',
        type: 'disk',
        size: 8589934592,
        ro: false,
        rm: false,
        fstype: null,
        mountpoints: [null],
        children: [
          {
            path: '/dev/vda1',
            type: 'part',
            size: 1048576,
            ro: false,
            rm: false,
            fstype: null,
            mountpoints: [null],
          },
        ],
      },
    ],
  });
  const nodes = parseLsblk(out);
  assert.equal(nodes[1]?.children?.[0]?.path, '/dev/vda1');
  assert.equal(chooseDisk(nodes, GiB, true).path, '/dev/vda');
  assert.throws(() => parseLsblk('{"blockdevices":[{"path":1}]}'), /unexpected document/);
  assert.throws(() => parseLsblk('lsblk: bad usage'), /printed no JSON/);
});
