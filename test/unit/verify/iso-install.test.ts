import assert from 'node:assert/strict';
import { test } from 'node:test';
import { installedPlan, rootSpansCheck } from '../../../src/verify/iso-install.ts';

test('the installer’s plan line is read from the console, UTF-8 included', () => {
  const plan = {
    deployment: { commit: 'abc', kargs: [] },
    hostname: 'zoë',
    disk: { partitions: [] },
  };
  const line = `particle-os-installer: plan ${JSON.stringify(plan)}\r\n`;
  // runVm hands over the console as latin1 text of its bytes.
  const serial = Buffer.from(
    `[  OK  ] Started x\r\n${line}particle-os-installer: installed; powering off.\r\n`,
  ).toString('latin1');
  assert.deepEqual(installedPlan(serial), plan);
  assert.equal(installedPlan('particle-os-installer: the installation failed (exit 1)'), undefined);
  // Kernel messages printed into the line, or a plan without what boot-test reads: none.
  assert.equal(
    installedPlan('particle-os-installer: plan {"deployment":[   12.3] sd 0:0 {}}\n'),
    undefined,
  );
  assert.equal(installedPlan('particle-os-installer: plan {"hostname":"x"}\n'), undefined);
});

test('the root filesystem must hold most of the disk, not the image’s build-time size', () => {
  const check = rootSpansCheck(8 * 2 ** 30);
  assert.match(check, /df -B1 --output=size \/sysroot/);
  const min = Number(/-ge (\d+)$/.exec(check)?.[1]);
  assert.ok(min >= 5.5 * 2 ** 30 && min < 7 * 2 ** 30, `threshold ${min}`);
});
