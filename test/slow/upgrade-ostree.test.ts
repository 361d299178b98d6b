/**
 * The slow target (`npm run test:slow`): `upgrade-test` through an OSTree remote, as the
 * tutorial's section 7 runs it (CI runs the same story by hand, through `run` and `ssh`, in the
 * tutorial's section 8). Three boots: v1 upgrades over HTTP (with a local user, so the
 * machine's /etc/passwd differs from the image's), v2 boots with the new package, the /etc
 * change and every user of the new image, then the rollback to v1.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { upgradeTest } from '../helpers/upgrade-test.ts';

const isRoot = process.getuid?.() === 0;

test('upgrade-test via an OSTree remote: upgrade, reboot into v2, roll back', {
  skip: !isRoot && 'needs root',
  timeout: 60 * 60_000,
}, () => {
  const { status, result, failedChecks } = upgradeTest('upgrade-ostree', [
    '--add-package',
    'tcpdump',
  ]);
  assert.deepEqual(failedChecks, []);
  assert.equal(result.boots.length, 3, 'v1 → v2 → rollback to v1');
  const expected = [
    ['booted-commit', 'local-user', 'ostree-admin-upgrade', 'upgrade-is-default'],
    [
      'booted-commit',
      'booted-version',
      'has-package:tcpdump',
      'etc-change-kept',
      'image-users-present',
      'rollback',
    ],
    ['booted-commit', 'lacks-package:tcpdump'],
  ];
  for (const [i, names] of expected.entries()) {
    const ran = result.boots[i]?.result.checks.map((c) => c.name) ?? [];
    for (const name of names) assert.ok(ran.includes(name), `boot ${i + 1} ran ${name}`);
  }
  assert.equal(status, 0);
});
