import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkScript,
  checkUnit,
  credentialStrings,
  guestChecks,
  parseCheckLines,
  UNIT_NAME,
} from '../../src/verify/guest-checks.ts';
import { qemuArgv } from '../../src/verify/qemu.ts';

test('checks include the expectations', () => {
  const names = guestChecks({
    commit: 'abc',
    version: '13.1',
    hostname: 'h',
    kargs: ['rw'],
    extra: ['true'],
  }).map((c) => c.name);
  for (const n of [
    'cmdline-has-ostree',
    'root-is-deployment',
    'usr-read-only',
    'system-running',
    'booted-commit',
    'booted-version',
    'hostname',
    'karg:rw',
    'custom-1',
  ]) {
    assert.ok(names.includes(n), n);
  }
});

test('the script reports every check and powers off', () => {
  const s = checkScript(guestChecks({}));
  assert.match(s, /^#!\/bin\/sh/);
  assert.match(s, /systemctl is-system-running --wait/);
  assert.equal(s.match(/report pass/g)?.length, guestChecks({}).length);
  assert.match(s, /echo PARTICLE-DONE\nsystemctl poweroff/);
});

test('credentials carry the unit, the drop-in and the script as base64', () => {
  const creds = credentialStrings('echo hi');
  assert.equal(creds.length, 3);
  const unit = creds.find((c) => c.includes(`systemd.extra-unit.${UNIT_NAME}=`));
  assert.ok(unit);
  assert.equal(Buffer.from(unit.split('=').slice(1).join('='), 'base64').toString(), checkUnit());
  assert.ok(
    creds.some((c) =>
      c.startsWith('io.systemd.credential.binary:systemd.unit-dropin.multi-user.target~'),
    ),
  );
});

test('check lines are parsed out of a noisy console', () => {
  const serial =
    '[  5.1] noise\r\nPARTICLE-CHECK pass cmdline-has-ostree ostree=/x\r\n[ 6.0] more\nPARTICLE-CHECK fail system-running degraded foo.service\nPARTICLE-DONE\n';
  const r = parseCheckLines(serial);
  assert.equal(r.done, true);
  assert.deepEqual(r.results, [
    { name: 'cmdline-has-ostree', ok: true, detail: 'ostree=/x' },
    { name: 'system-running', ok: false, detail: 'degraded foo.service' },
  ]);
});

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

test('PPM screenshots become valid PNGs', async () => {
  const { ppmToPng } = await import('../../src/verify/screenshot.ts');
  const { inflateSync } = await import('node:zlib');
  const ppm = Buffer.concat([Buffer.from('P6\n2 1\n255\n'), Buffer.from([255, 0, 0, 0, 0, 255])]);
  const png = ppmToPng(ppm);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(png.readUInt32BE(16), 2, 'width');
  assert.equal(png.readUInt32BE(20), 1, 'height');
  const idatLen = png.readUInt32BE(33);
  assert.equal(png.subarray(37, 41).toString(), 'IDAT');
  assert.deepEqual([...inflateSync(png.subarray(41, 41 + idatLen))], [0, 255, 0, 0, 0, 0, 255]);
  assert.throws(() => ppmToPng(Buffer.from('P3\n1 1\n255\n0 0 0')), /P6/);
});
