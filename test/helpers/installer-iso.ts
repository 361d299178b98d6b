/** What the installer ISO tests share: building the ISO with the installer recipe, and alice's login check. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { IsoBootTestResult } from '../../src/verify/iso-install.ts';
import type { BuildAllResult } from '../../src/workflows/build.ts';
import type { IsoResult } from '../../src/workflows/installer-iso.ts';

/** The recipe both ISO tests install: XFS root, alice, installer.device auto, no wipe. */
export const INSTALLER_RECIPE = 'test/fixtures/recipes/installer.yml';

/** A guest check: alice gets a login shell (PAM, her shell, her home). */
export const ALICE_LOGS_IN =
  "su -l alice -c 'echo alice logged in as $(id -un)' | grep -x 'alice logged in as alice'";

/** `build --type iso` of `archive` into `out`; asserts it succeeded and returns its result. */
export function buildInstallerIso(archive: string, out: string): IsoResult {
  const r = spawnSync(
    './bib/particle-os',
    [
      'build',
      '--type',
      'iso',
      '--base-image',
      `oci-archive:${archive}`,
      '--output',
      out,
      INSTALLER_RECIPE,
      '--json',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  assert.equal(r.status, 0, `build --type iso exited ${r.status}`);
  const { iso } = JSON.parse(r.stdout) as BuildAllResult;
  assert.ok(iso, 'build printed the ISO result');
  return iso;
}

/**
 * `boot-test ISO` with a blank 8 GiB `disk`: the install must pass, then every check of the
 * installed disk, among them the XFS root spanning the disk (custom-1) and alice's login
 * (custom-2). Returns the result for timings.
 */
export function bootTestInstallerIso(
  iso: string,
  firmware: 'bios' | 'uefi',
  disk: string,
): IsoBootTestResult {
  const r = spawnSync(
    './bib/particle-os',
    [
      'boot-test',
      iso,
      '--firmware',
      firmware,
      '--target-disk',
      disk,
      '--target-size',
      '8G',
      '--timeout',
      '1500',
      '--check',
      ALICE_LOGS_IN,
      '--json',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const result = JSON.parse(r.stdout) as IsoBootTestResult;
  assert.ok(result.install.passed, `install: ${result.install.problem}`);
  const checks = result.boot?.checks ?? [];
  assert.deepEqual(
    checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`),
    [],
    `installed disk: ${firmware} checks failed`,
  );
  for (const name of ['user:alice', 'hostname', 'custom-1', 'custom-2'])
    assert.ok(
      checks.some((c) => c.name === name && c.ok),
      `installed disk: ${name}`,
    );
  assert.match(checks.find((c) => c.name === 'root-filesystem')?.detail ?? '', /^xfs/);
  assert.equal(r.status, 0);
  return result;
}
