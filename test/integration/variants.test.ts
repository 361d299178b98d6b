/**
 * All five shipped variants resolve against the real Debian archive (`compose tree --dry-run`:
 * apt simulation, nothing installed), so does the minimal variant on the other suites, and a package that does not exist is reported by name
 * with exit 2.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ResolvedPackages } from '../../src/compose/resolve.ts';
import { scratchDir } from '../helpers/scratch.ts';

const isRoot = process.getuid?.() === 0;
const VARIANTS = ['minimal', 'gnome-atomic', 'kde-atomic', 'sway-atomic', 'budgie-atomic'];

function dryRun(treefile: string) {
  return spawnSync('./bib/particle-os', ['compose', 'tree', treefile, '--dry-run', '--json'], {
    encoding: 'utf8',
  });
}

test('the five variants resolve with --dry-run', {
  skip: !isRoot && 'mmdebstrap needs root',
  timeout: 15 * 60_000,
}, () => {
  for (const v of VARIANTS) {
    const r = dryRun(`treefiles/debian-${v}.yaml`);
    assert.equal(r.status, 0, `${v}: ${r.stderr}`);
    const res = JSON.parse(r.stdout) as ResolvedPackages;
    assert.equal(res.ref, `debian/13/x86_64/${v}`);
    assert.ok(res.packages.length > 100, `${v}: ${res.packages.length} packages`);
    assert.ok(res.downloadBytes > 0 && res.installedBytes > res.downloadBytes, `${v}: sizes`);
    const names = new Set(res.packages.map((p) => p.name));
    for (const p of ['linux-image-amd64', 'systemd', 'ostree-boot', 'dracut'])
      assert.ok(names.has(p), `${v} has ${p}`);
    if (v !== 'minimal')
      assert.ok(names.has('firefox-esr') && names.has('network-manager'), `${v}: desktop basics`);
    process.stderr.write(
      `${v}: ${res.packages.length} packages, ${(res.downloadBytes / 2 ** 20).toFixed(0)} MiB download\n`,
    );
  }
});

// The shipped treefiles are trixie; the minimal variant on the other supported suites must keep
// resolving too (bench/suites builds and boots them), so a suite-specific regression shows up.
test('the minimal variant resolves on bookworm, forky and sid', {
  skip: !isRoot && 'mmdebstrap needs root',
  timeout: 10 * 60_000,
}, () => {
  for (const [suite, number] of [
    ['bookworm', '12'],
    ['forky', '14'],
    ['sid', 'sid'],
  ]) {
    const r = dryRun(`test/fixtures/treefiles/suites/debian-${suite}-minimal.yaml`);
    assert.equal(r.status, 0, `${suite}: ${r.stderr}`);
    const res = JSON.parse(r.stdout) as ResolvedPackages;
    assert.equal(res.ref, `debian/${number}/x86_64/minimal`);
    const names = new Set(res.packages.map((p) => p.name));
    assert.equal(res.suite, suite);
    for (const p of ['linux-image-amd64', 'systemd', 'ostree-boot', 'dracut', 'openssh-server'])
      assert.ok(names.has(p), `${suite} has ${p}`);
  }
});

test('a package that does not exist is named, exit 2', {
  skip: !isRoot && 'mmdebstrap needs root',
}, () => {
  const dir = scratchDir('nopkg');
  const tf = join(dir, 'nopkg.yaml');
  writeFileSync(
    tf,
    'ref: debian/13/x86_64/nopkg\nbase: debian:trixie\npackages: [less, no-such-package-particle-os]\n',
  );
  const r = dryRun(tf);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /no such package in Debian trixie: no-such-package-particle-os/);
});

test('a locale the suite cannot generate is refused by the dry run, with the closest one; a supported one resolves', {
  skip: !isRoot && 'mmdebstrap needs root',
}, () => {
  const dir = scratchDir('locales');
  const tf = join(dir, 'locales.yaml');
  const write = (locales: string) =>
    writeFileSync(
      tf,
      `ref: debian/13/x86_64/locales\nbase: debian:trixie\nlocales: [${locales}]\n`,
    );
  write('de_DE.UTF-8, en_XX.UTF-8');
  const bad = dryRun(tf);
  assert.equal(bad.status, 2, bad.stderr);
  assert.match(
    bad.stderr,
    /locales: en_XX\.UTF-8 \(did you mean en_\w\w\.UTF-8\?\): not in \/usr\/share\/i18n\/SUPPORTED of Debian trixie/,
  );
  write('de_DE.UTF-8, de_CH.UTF-8');
  const good = dryRun(tf);
  assert.equal(good.status, 0, good.stderr);
  assert.ok(
    (JSON.parse(good.stdout) as ResolvedPackages).packages.some((p) => p.name === 'locales'),
    'the package locales is in the set',
  );
});
