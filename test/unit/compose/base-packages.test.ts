import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  BOOT_PACKAGES,
  basePackagesNeeded,
  basePackagesProvided,
  COMPOSE_LOAD_OPTIONS,
  ESSENTIAL_INTERPRETERS,
  localePackages,
  requestedPackages,
} from '../../../src/compose/base-packages.ts';
import { CLIENT_DEPENDS } from '../../../src/compose/client-package.ts';
import { loadTreefile } from '../../../src/treefile/load.ts';
import { scratchDir } from '../../helpers/scratch.ts';

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

test('locales: compose asks for the package locales to generate them, unless locales-all is listed', () => {
  const plain = { packages: ['htop'], particleOsClient: false };
  assert.ok(!requestedPackages(plain).includes('locales'), 'no locales, no package');
  assert.ok(!requestedPackages({ ...plain, locales: [] }).includes('locales'));
  assert.ok(requestedPackages({ ...plain, locales: ['de_DE.UTF-8'] }).includes('locales'));
  const all = { ...plain, packages: ['locales-all'], locales: ['de_DE.UTF-8'] };
  assert.ok(!requestedPackages(all).includes('locales'), 'locales-all ships them compiled');
  assert.deepEqual(localePackages(all), []);
  // Excluding it while asking for locales can never work: the loader refuses it.
  assert.match(
    basePackagesNeeded({ ...plain, locales: ['de_DE.UTF-8'] }).locales as string,
    /generates the treefile’s locales/,
  );
  assert.equal(basePackagesNeeded(all).locales, undefined);
  assert.equal(basePackagesNeeded(plain).locales, undefined);
});

test('locales: excluding the package that generates them is refused', () => {
  const dir = scratchDir('base-locales');
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const p = write(
    'loc-excl.yaml',
    'ref: a/b\nbase: debian:trixie\nlocales: [de_DE.UTF-8]\nexclude-packages: [locales]\n',
  );
  assert.throws(
    () => loadTreefile(p, COMPOSE_LOAD_OPTIONS),
    /exclude-packages.*locales.*generates the treefile’s locales/s,
  );
  const all = write(
    'loc-all.yaml',
    'ref: a/b\nbase: debian:trixie\nlocales: [de_DE.UTF-8]\npackages: [locales-all]\nexclude-packages: [locales]\n',
  );
  assert.deepEqual(loadTreefile(all, COMPOSE_LOAD_OPTIONS).locales, ['de_DE.UTF-8']);
});
