import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  isKernelImage,
  isQualified,
  KERNEL_FLAVOURS,
  kernelPackage,
  packageName,
  packageSpecProblem,
  splitPackageSpec,
  versionRelationProblem,
} from '../../../src/treefile/packages.ts';

test('an entry splits into the name and at most one of =VERSION and /SUITE', () => {
  assert.deepEqual(splitPackageSpec('less'), { name: 'less' });
  assert.deepEqual(splitPackageSpec('less=668-1'), { name: 'less', version: '668-1' });
  assert.deepEqual(splitPackageSpec('linux-image-amd64/trixie-backports'), {
    name: 'linux-image-amd64',
    suite: 'trixie-backports',
  });
  assert.equal(packageName('systemd=1:257.9-1~deb13u1'), 'systemd');
  assert.equal(packageName('linux-image-amd64/trixie-backports'), 'linux-image-amd64');
  assert.equal(isQualified('less'), false);
  assert.equal(isQualified('less=668-1'), true);
  assert.equal(isQualified('less/sid'), true);
});

test('what apt may be given: a Debian name, a Debian version, a suite word; nothing option-like', () => {
  for (const ok of [
    'less',
    'g++',
    'libstdc++6=14.2.0-19',
    'systemd=1:257.9-1~deb13u1',
    'linux-image-amd64=6.16.3-1~bpo13+1',
    'linux-image-amd64/trixie-backports',
    'firefox-esr/trixie-security',
    'openssh-server=1:10.0p1-7',
    'foo=2.0~rc1',
  ])
    assert.equal(packageSpecProblem(ok), undefined, ok);
  for (const [bad, why] of [
    ['-o', /"-o" is not a Debian package name/],
    ['--option=x', /is not a Debian package name/],
    ['Less', /not a Debian package name/],
    ['a', /not a Debian package name/],
    ['less=', /"" is not a Debian version/],
    ['less=abc', /"abc" is not a Debian version/],
    ['less=1 2', /not a Debian version/],
    ['less=1,2', /not a Debian version/],
    ['less=1-', /not a Debian version/],
    ['less/', /"" is not a suite name/],
    ['less/13', /"13" is not a suite name/],
    ['less/Trixie', /not a suite name/],
    ['less/trixie/updates', /not both or twice/],
    ['less=1/trixie', /not both or twice/],
    ['less/trixie=1', /not both or twice/],
    ['less=1=2', /not both or twice/],
    ['less/trixie\n-o', /not both or twice|not a suite name/],
    ['less=1\0', /not a Debian version/],
  ] as const)
    assert.match(packageSpecProblem(bad) ?? 'accepted', why, JSON.stringify(bad));
  // Before substitution, ${variables} may stand in any part; after it they may not.
  assert.equal(packageSpecProblem('linux-image-amd64/${suite}-backports', true), undefined);
  assert.equal(packageSpecProblem('${kernel}=${kver}', true), undefined);
  assert.match(packageSpecProblem('linux-image-amd64/${suite}-backports') ?? '', /suite name/);
  assert.match(packageSpecProblem('less/${x y}', true) ?? '', /suite name/);
});

test('the kernel flavours and the names that install a kernel image', () => {
  assert.equal(kernelPackage(undefined), 'linux-image-amd64');
  assert.equal(kernelPackage('default'), 'linux-image-amd64');
  assert.equal(kernelPackage('cloud'), 'linux-image-cloud-amd64');
  assert.equal(kernelPackage('rt'), 'linux-image-rt-amd64');
  for (const name of [
    ...Object.values(KERNEL_FLAVOURS),
    'linux-image-6.12.48+deb13-amd64',
    'linux-image-6.12.48+deb13-cloud-amd64',
    'linux-image-6.12.48+deb13-rt-amd64-unsigned',
    'linux-image-6.16.3+bpo-amd64',
    'linux-image-5.10.0-30-amd64',
  ])
    assert.ok(isKernelImage(name), name);
  for (const name of [
    'linux-image-amd64-dbg',
    'linux-image-6.12.48+deb13-amd64-dbg',
    'linux-image-amd64-signed-template',
    'linux-headers-amd64',
    'linux-image-arm64',
    'linux-base',
  ])
    assert.ok(!isKernelImage(name), name);
});

test('a version relation is refused with what to write instead; a plain pin or name is not a relation', () => {
  for (const entry of ['less >= 600', 'less>=600', 'less (>= 600)', 'less << 600-1', 'less > 1'])
    assert.match(
      versionRelationProblem(entry) ?? '',
      /is a version relation .*write less for the suite's candidate or less=VERSION/,
      entry,
    );
  assert.match(versionRelationProblem('less = 600') ?? '', /one word with one "=": less=600$/);
  assert.match(versionRelationProblem('less==600') ?? '', /less=600$/);
  for (const entry of ['less', 'less=600-1', 'curl wget', 'linux-image-amd64/trixie-backports'])
    assert.equal(versionRelationProblem(entry), undefined, entry);
});
