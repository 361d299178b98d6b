/**
 * docs/tutorial.md, for real: its `sh` blocks, extracted exactly as a reader would copy them,
 * run in order with bash in the repository (they install packages, compose, build, boot and
 * run the upgrade test, writing everything under tutorial/). Needs root; about 15 minutes
 * under TCG. tutorial/ is removed first so every output checked here is fresh, and left
 * behind afterwards for inspection.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { test } from 'node:test';
import { tutorialScript } from '../../scripts/extract-tutorial.ts';

const isRoot = process.getuid?.() === 0;

test('the tutorial runs from start to finish', {
  skip: !isRoot && 'needs root',
  timeout: 60 * 60_000,
}, () => {
  rmSync('tutorial', { recursive: true, force: true });
  const script = tutorialScript(readFileSync('docs/tutorial.md', 'utf8'));
  const r = spawnSync('bash', ['-s'], {
    input: script,
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'inherit'],
    maxBuffer: 64 * 2 ** 20,
  });
  process.stderr.write(r.stdout);
  assert.equal(r.status, 0, `the tutorial script exited ${r.status}`);

  for (const f of [
    'tutorial/repo/config',
    'tutorial/archive/summary',
    'tutorial/archive/refs/heads/debian/13/x86_64/minimal',
    'tutorial/minimal.ociarchive',
    'tutorial/images/tutorial.qcow2',
    'tutorial/images/tutorial.plan.json',
    'tutorial/upgrade-test/upgrade-test-3.serial.log',
  ])
    assert.ok(existsSync(f), `${f} exists`);

  const plan = JSON.parse(readFileSync('tutorial/images/tutorial.plan.json', 'utf8'));
  assert.equal(plan.update?.url, 'http://10.0.2.2:8000/', 'the image upgrades from the archive');
  assert.match(r.stdout, /boot test BIOS \((TCG|KVM)\): PASSED/);
  assert.match(r.stdout, /ok {3}user:tux/);
  // `ostree log` after v1 and `ostree show` after v2 each print the version they see.
  const versions = [...r.stdout.matchAll(/^Version: (13\.\d{8}\.\d+)\s*$/gm)].map((m) => m[1]);
  assert.equal(versions.length, 2, `versions printed: ${versions.join(', ')}`);
  assert.notEqual(versions[0], versions[1], 'v2 is published as a new version');
  assert.match(r.stdout, /^Added:\n( {2}\S+ \S+\n)* {2}tcpdump /m, 'compose diff shows tcpdump');
  assert.match(r.stdout, /^[0-9a-f]{64} \(no changes\)$/m, 'the rerun changes nothing');
  assert.match(r.stdout, /upgrade test: PASSED/);
  // The upgrade test's three boots (it replaced test/integration/upgrade.test.ts): v1 upgrades
  // over HTTP, v2 boots with the new package and the /etc change kept, rollback to v1.
  const boots = r.stdout.split(/^--- /m).slice(1);
  assert.equal(boots.length, 3, 'three boots in the upgrade test');
  const [v1, v2, back] = boots as [string, string, string];
  for (const [text, names] of [
    [v1, ['booted-commit', 'local-user', 'ostree-admin-upgrade', 'upgrade-is-default']],
    [
      v2,
      [
        'booted-commit',
        'booted-version',
        'has-package:tcpdump',
        'etc-change-kept',
        'image-users-present',
        'rollback',
      ],
    ],
    [back, ['booted-commit', 'lacks-package:tcpdump']],
  ] as const) {
    for (const name of names) assert.match(text, new RegExp(`^ {2}ok {3}${name}( |$)`, 'm'), name);
    assert.doesNotMatch(text, /^ {2}FAIL /m);
  }
});
