import assert from 'node:assert/strict';
import { test } from 'node:test';
import { qemuArgv } from '../../../src/verify/qemu.ts';

test('QEMU command line: TCG, snapshot, serial to file, OVMF for UEFI, commas escaped', () => {
  const a = qemuArgv({
    disk: '/d/x.qcow2',
    firmware: 'uefi',
    accel: 'tcg',
    serialLog: '/d/s.log',
    work: '/nonexistent-dir-for-test',
    oemStrings: ['a,b'],
  }).join(' ');
  assert.match(a, /-accel tcg/);
  assert.match(a, /file=\/d\/x\.qcow2,format=qcow2,if=virtio,snapshot=on/);
  assert.match(a, /-serial file:\/d\/s\.log/);
  assert.match(a, /OVMF_CODE_4M\.fd/);
  assert.match(a, /type=11,value=a,,b/);
});
