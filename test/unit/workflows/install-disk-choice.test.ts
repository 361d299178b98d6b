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
  mountpoints: [null],
  ...n,
});

test('the first free, writable disk that is large enough is chosen; the rest say why not', () => {
  const medium = disk('/dev/sda', 4 * GiB, {
    children: [
      { ...disk('/dev/sda1', 4 * GiB), type: 'part', mountpoints: ['/run/initramfs/live'] },
    ],
  });
  const c = chooseDisk(
    [
      disk('/dev/zram0', 2 * GiB),
      { ...disk('/dev/sr0', GiB), type: 'rom', mountpoints: ['/run/initramfs/live'] },
      { ...disk('/dev/loop0', GiB), type: 'loop' },
      medium,
      disk('/dev/sdb', 64 * GiB, { ro: true }),
      disk('/dev/vda', 2 * GiB),
      disk('/dev/vdb', 8 * GiB),
      disk('/dev/vdc', 100 * GiB),
    ],
    3 * GiB,
  );
  assert.equal(c.path, '/dev/vdb');
  assert.deepEqual(c.passed, [
    { path: '/dev/sda', why: 'in use (mounted on /run/initramfs/live)' },
    { path: '/dev/sdb', why: 'read-only' },
    { path: '/dev/vda', why: 'too small (2.0 GiB, the image needs 3.0 GiB)' },
  ]);
});

test('no disk qualifies: the message names each disk and why', () => {
  const c = chooseDisk([disk('/dev/vda', GiB)], 3 * GiB);
  assert.equal(c.path, undefined);
  assert.equal(
    noDiskMessage(c),
    'no disk to install onto: /dev/vda is too small (1.0 GiB, the image needs 3.0 GiB)',
  );
  assert.equal(
    noDiskMessage(chooseDisk([], GiB)),
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
        mountpoints: ['/run/initramfs/live'],
      },
      {
        path: '/dev/vda',
        type: 'disk',
        size: 8589934592,
        ro: false,
        mountpoints: [null],
        children: [
          { path: '/dev/vda1', type: 'part', size: 1048576, ro: false, mountpoints: [null] },
        ],
      },
    ],
  });
  const nodes = parseLsblk(out);
  assert.equal(nodes[1]?.children?.[0]?.path, '/dev/vda1');
  assert.equal(chooseDisk(nodes, GiB).path, '/dev/vda');
  assert.throws(() => parseLsblk('{"blockdevices":[{"path":1}]}'), /unexpected document/);
});
