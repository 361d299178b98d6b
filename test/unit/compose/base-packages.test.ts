import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BOOT_PACKAGES,
  basePackagesNeeded,
  basePackagesProvided,
  COMPOSE_LOAD_OPTIONS,
  ESSENTIAL_INTERPRETERS,
  requestedPackages,
} from '../../../src/compose/base-packages.ts';
import { CLIENT_DEPENDS } from '../../../src/compose/client-package.ts';

test('what the base needs: the boot set, what it depends on, the client’s needs while kept', () => {
  const withClient = basePackagesNeeded({ particleOsClient: true });
  for (const p of [...BOOT_PACKAGES, ...CLIENT_DEPENDS, 'systemd', 'dracut-core', 'libostree-1-1'])
    assert.ok(withClient[p], `${p} is needed`);
  assert.match(withClient['linux-image-amd64'] as string, /kernel/);
  assert.match(withClient.jq as string, /client/);
  const without = basePackagesNeeded({ particleOsClient: false });
  assert.equal(without.jq, undefined, 'without the client, jq may be excluded');
  assert.ok(without.ostree, 'ostree stays needed for the base itself');
  // Everything compose requests itself is in the list (a new boot package needs a reason).
  for (const p of requestedPackages({ packages: [], particleOsClient: true }))
    assert.ok(withClient[p], `${p} is requested by compose but not listed as needed`);
});

test('what compose installs whatever the treefile lists: the boot set, the Essential interpreters, the client’s needs while kept', () => {
  const withClient = basePackagesProvided({ particleOsClient: true });
  for (const p of [...BOOT_PACKAGES, ...ESSENTIAL_INTERPRETERS, ...CLIENT_DEPENDS])
    assert.ok(withClient.includes(p), p);
  const without = basePackagesProvided({ particleOsClient: false });
  assert.ok(!without.includes('jq'));
  assert.ok(without.includes('bash') && without.includes('dash'), 'Essential either way');
  assert.equal(COMPOSE_LOAD_OPTIONS.provided, basePackagesProvided);
  assert.equal(COMPOSE_LOAD_OPTIONS.needed, basePackagesNeeded);
});
