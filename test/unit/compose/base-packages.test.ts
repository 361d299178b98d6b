import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  basePackagesNeeded,
  basePackagesProvided,
  bootPackages,
  COMPOSE_LOAD_OPTIONS,
  ESSENTIAL_INTERPRETERS,
  localePackages,
  packageSet,
  requestedKernel,
  requestedPackages,
} from '../../../src/compose/base-packages.ts';
import { CLIENT_DEPENDS } from '../../../src/compose/client-package.ts';
import { loadTreefile } from '../../../src/treefile/load.ts';
import { scratchDir } from '../../helpers/scratch.ts';

test('what the base needs: the boot set, what it depends on, the client’s needs while kept', () => {
  const withClient = basePackagesNeeded({ particleOsClient: true });
  for (const p of [
    ...bootPackages({}),
    ...CLIENT_DEPENDS,
    'systemd',
    'dracut-core',
    'libostree-1-1',
  ])
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
  for (const p of [...bootPackages({}), ...ESSENTIAL_INTERPRETERS, ...CLIENT_DEPENDS])
    assert.ok(withClient.includes(p), p);
  const without = basePackagesProvided({ particleOsClient: false });
  assert.ok(!without.includes('jq'));
  assert.ok(without.includes('bash') && without.includes('dash'), 'Essential either way');
  assert.equal(COMPOSE_LOAD_OPTIONS.provided, basePackagesProvided);
  assert.equal(COMPOSE_LOAD_OPTIONS.needed, basePackagesNeeded);
});

test('kernel-flavour replaces the kernel of the boot set, in what is requested, needed and provided', () => {
  for (const [flavour, kernel] of [
    ['cloud', 'linux-image-cloud-amd64'],
    ['rt', 'linux-image-rt-amd64'],
  ] as const) {
    const tf = { kernelFlavour: flavour, packages: [], particleOsClient: false };
    const boot = bootPackages(tf);
    assert.ok(boot.includes(kernel), kernel);
    assert.ok(!boot.includes('linux-image-amd64'), 'one kernel, not two');
    assert.deepEqual(
      requestedPackages(tf).filter((p) => p.startsWith('linux-image-')),
      [kernel],
    );
    const needed = basePackagesNeeded(tf);
    assert.match(needed[kernel] as string, new RegExp(`kernel-flavour: ${flavour}`));
    assert.equal(needed['linux-image-amd64'], undefined, 'the default kernel may be excluded');
    assert.ok(basePackagesProvided(tf).includes(kernel));
    assert.equal(requestedKernel(tf), kernel);
  }
  assert.deepEqual(bootPackages({ kernelFlavour: undefined }), bootPackages({}));
});

test('a treefile entry with a version or suite for a boot package takes the bare name’s place', () => {
  const tf = {
    packages: ['linux-image-amd64/trixie-backports', 'less', 'zstd=1.5.7+dfsg-1'],
    particleOsClient: false,
  };
  const req = requestedPackages(tf);
  assert.ok(req.includes('linux-image-amd64/trixie-backports'));
  assert.ok(req.includes('zstd=1.5.7+dfsg-1'));
  assert.ok(!req.includes('linux-image-amd64') && !req.includes('zstd'), req.join(' '));
  assert.deepEqual(req, [...req].sort(), 'sorted');
  assert.equal(requestedKernel(tf), 'linux-image-amd64/trixie-backports');
  assert.equal(
    requestedKernel({ kernelFlavour: 'cloud', packages: ['linux-image-cloud-amd64=6.12.48-1'] }),
    'linux-image-cloud-amd64=6.12.48-1',
  );
  // The bare names of the boot set stay when the treefile lists them bare too.
  assert.deepEqual(packageSet({}, ['udev', 'login']), bootPackages({}));
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
