/**
 * The slow target (`npm run test:slow`, not in CI: about 20 minutes under TCG): the installed
 * system follows its bootc image in a registry (Debian's docker-registry on 127.0.0.1) and
 * updates with the on-device client. In the guest: `particle-os status`, `upgrade --check`
 * (exit 100), `upgrade` fetching only the changed layers, reboot into v2 (package there, /etc
 * change kept, setuid bits kept), `particle-os rollback`, reboot into v1, `switch` to v2's
 * archive on a second virtual disk (a USB stick), reboot into it. Then the plug is pulled
 * in the middle of `particle-os upgrade` at two delays: v1 boots, `ostree fsck` passes, a retry
 * stages v2.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { upgradeTest } from '../helpers/upgrade-test.ts';

const isRoot = process.getuid?.() === 0;

test('upgrade via a registry with the client: only changed layers, rollback, power loss', {
  skip: !isRoot && 'needs root',
  timeout: 90 * 60_000,
}, () => {
  const { status, result, failedChecks } = upgradeTest('upgrade-registry', [
    '--via',
    'registry',
    '--power-loss',
    'pull:3000,pull:20000',
  ]);
  assert.deepEqual(failedChecks, []);
  assert.equal(result.boots.length, 4, 'v1 → v2 → rollback → v1 → switch from the USB stick → v2');
  const upgrade = result.boots[0]?.result.checks.find((c) => c.name === 'client-upgrade');
  const m = upgrade?.detail.match(
    /fetched (\d+) bytes: (\d+) layers \((\d+) bytes, ([\d.]+)% of the image's (\d+)\)/,
  );
  assert.ok(m, `the upgrade reports what it fetched: ${upgrade?.detail}`);
  process.stderr.write(`one-package update: ${upgrade?.detail}\n`);
  assert.ok(Number(m[4]) <= 10, `a one-package update fetches at most 10% of the image (${m[4]}%)`);
  for (const p of result.powerLoss ?? [])
    assert.ok(p.passed, `power cut at ${p.phase}+${p.delayMs}ms: recovery failed`);
  assert.equal(result.powerLoss?.length, 2);
  assert.equal(status, 0);
});
