/**
 * Atomic upgrades and rollback on a booted VM, for real: v1 is built with the archive repo
 * (served on 127.0.0.1) as its update remote; v2 adds a package; the guest upgrades over HTTP,
 * reboots into v2 with its /etc change kept, rolls back and reboots into v1. Needs root.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { UpgradeTestResult } from '../../src/verify/upgrade-test.ts';

const isRoot = process.getuid?.() === 0;

test('upgrade-test: v1 → upgrade to v2 over HTTP → rollback to v1', {
  skip: !isRoot && 'needs root',
  timeout: 45 * 60_000,
}, () => {
  const out = mkdtempSync(join(process.env.PARTICLE_OS_TEST_DIR ?? tmpdir(), 'upgrade-'));
  const r = spawnSync(
    './bib/particle-os',
    ['upgrade-test', 'treefiles/debian-minimal.yaml', '--output', out, '--json'],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  assert.equal(r.status, 0, `upgrade-test exited ${r.status}`);
  const result = JSON.parse(r.stdout) as UpgradeTestResult;
  assert.notEqual(result.v1.compose.commit, result.v2.compose.commit);
  assert.notEqual(result.v1.compose.version, result.v2.compose.version, 'v2 has a new version');
  assert.equal(result.boots.length, 3);
  const [boot1, boot2, boot3] = result.boots.map((b) => b.result);
  const ok = (b: typeof boot1, name: string) =>
    assert.ok(
      b?.checks.some((c) => c.name === name && c.ok),
      `${name} in ${JSON.stringify(b?.checks)}`,
    );
  ok(boot1, 'booted-commit');
  ok(boot1, 'ostree-admin-upgrade');
  ok(boot1, 'upgrade-is-default');
  ok(boot2, 'booted-commit');
  ok(boot2, 'booted-version');
  ok(boot2, 'has-package:tree');
  ok(boot2, 'etc-change-kept');
  ok(boot2, 'rollback');
  ok(boot3, 'booted-commit');
  ok(boot3, 'lacks-package:tree');
  assert.match(
    boot2?.checks.find((c) => c.name === 'booted-commit')?.detail ?? '',
    new RegExp(result.v2.compose.commit),
  );
  assert.match(
    boot3?.checks.find((c) => c.name === 'booted-commit')?.detail ?? '',
    new RegExp(result.v1.deployedCommit),
  );
  for (const b of result.boots) assert.ok(b.result.passed, `${b.phase}: ${b.result.problem ?? ''}`);
  assert.ok(result.passed);
  process.stderr.write(
    `upgrade-test timings: build ${result.seconds.build}s, v2 compose ${result.seconds.v2Compose}s, boots ${result.boots.map((b) => b.seconds).join('s, ')}s\n`,
  );
});
