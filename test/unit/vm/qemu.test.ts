import assert from 'node:assert/strict';
import { test } from 'node:test';
import { qemuArgv } from '../../../src/vm/qemu.ts';

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
  // A model TCG implements in full, without AVX2 (QEMU 7.2 TCG's gathers crash llvmpipe).
  assert.match(a, /-cpu Westmere /);
  assert.match(a, /file=\/d\/x\.qcow2,format=qcow2,if=virtio,snapshot=on/);
  assert.match(a, /-serial file:\/d\/s\.log/);
  assert.match(a, /OVMF_CODE_4M\.fd/);
  assert.match(a, /type=11,value=a,,b/);
});

test('QEMU command line: extra disks attach read-only after the boot disk', () => {
  const a = qemuArgv({
    disk: '/d/x.raw',
    firmware: 'bios',
    accel: 'tcg',
    serialLog: '/d/s.log',
    work: '/w',
    extraDisks: ['/d/usb,1.img'],
  });
  const drives = a.flatMap((x, i) => (x === '-drive' ? [a[i + 1]] : []));
  assert.deepEqual(drives, [
    'file=/d/x.raw,format=raw,if=virtio,snapshot=on',
    'file=/d/usb,,1.img,format=raw,if=virtio,readonly=on',
  ]);
});

test('QEMU command line for run: console on stdio with a log, SSH forwarded, reboots allowed', () => {
  const a = qemuArgv({
    disk: '/m/overlay.qcow2',
    firmware: 'bios',
    accel: 'tcg',
    serialLog: '/logs/console,1.log',
    terminal: true,
    work: '/m',
    cpus: 4,
    snapshot: false,
    reboot: true,
    network: true,
    forwards: [{ hostPort: 40022, guestPort: 22 }],
  });
  const s = a.join(' ');
  assert.match(s, /-chardev stdio,id=console,mux=on,signal=off,logfile=\/logs\/console,,1\.log/);
  assert.match(s, /-serial chardev:console -mon chardev=console,mode=readline/);
  assert.match(s, /-nic user,model=virtio-net-pci,hostfwd=tcp:127\.0\.0\.1:40022-:22/);
  assert.match(s, /-smp 4/);
  assert.match(s, /snapshot=off/);
  assert.ok(!a.includes('-no-reboot'));
  assert.ok(!a.includes('-monitor'));
});

test('QEMU command line: an installer ISO in a DVD drive boots first, the disk is its target', () => {
  const a = qemuArgv({
    disk: '/d/target.raw',
    firmware: 'uefi',
    accel: 'tcg',
    serialLog: '/d/s.log',
    work: '/w',
    snapshot: false,
    cdrom: '/d/inst,1.iso',
  });
  const s = a.join(' ');
  assert.match(s, /file=\/d\/target\.raw,format=raw,if=virtio,snapshot=off/);
  assert.match(
    s,
    /-drive file=\/d\/inst,,1\.iso,format=raw,media=cdrom,if=none,id=dvd,readonly=on/,
  );
  assert.match(s, /-device ide-cd,drive=dvd,bus=ide\.0,bootindex=0/);
});
