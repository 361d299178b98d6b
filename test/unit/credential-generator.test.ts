/** The client package's credential generator (client/generators/), run with sh over scratch directories. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { projectPath } from '../../src/core/project.ts';
import { scratchDir } from '../helpers/scratch.ts';

const GENERATOR = projectPath('client/generators/particle-os-credential-generator');

/** Runs the generator over `creds` (name → content); returns the late directory and stderr. */
function generate(creds: Record<string, string>): { late: string; stderr: string } {
  const dir = scratchDir('generator');
  const credDir = join(dir, 'creds');
  mkdirSync(credDir);
  for (const [name, text] of Object.entries(creds)) writeFileSync(join(credDir, name), text);
  const dirs = ['normal', 'early', 'late'].map((d) => join(dir, d));
  for (const d of dirs) mkdirSync(d);
  const r = spawnSync('sh', [GENERATOR, ...dirs], {
    env: { PATH: '/usr/bin:/bin', CREDENTIALS_DIRECTORY: credDir },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(readdirSync(dirs[0] as string), [], 'nothing in the normal directory');
  return { late: dirs[2] as string, stderr: r.stderr };
}

test('credential generator: extra units and drop-ins land in the late generator directory', () => {
  const { late, stderr } = generate({
    'systemd.extra-unit.particle-os-boot-check.service': '[Service]\nExecStart=/bin/true\n',
    'systemd.unit-dropin.multi-user.target~particle-os': '[Unit]\nWants=x.service\n',
    'systemd.unit-dropin.serial-getty@ttyS0.service~autologin': '[Service]\n',
    'particle-os.boot-check': '#!/bin/sh\n',
  });
  assert.equal(stderr, '');
  assert.equal(
    readFileSync(join(late, 'particle-os-boot-check.service'), 'utf8'),
    '[Service]\nExecStart=/bin/true\n',
  );
  assert.equal(
    readFileSync(join(late, 'multi-user.target.d/particle-os.conf'), 'utf8'),
    '[Unit]\nWants=x.service\n',
  );
  assert.ok(existsSync(join(late, 'serial-getty@ttyS0.service.d/autologin.conf')));
  assert.deepEqual(readdirSync(late).sort(), [
    'multi-user.target.d',
    'particle-os-boot-check.service',
    'serial-getty@ttyS0.service.d',
  ]);
});

test('credential generator: names that are no unit, or climb out, are refused', () => {
  const { late, stderr } = generate({
    'systemd.extra-unit.noextension': 'x',
    'systemd.extra-unit..hidden.service': 'x',
    'systemd.unit-dropin.x.service~.hidden': 'x',
    'systemd.extra-unit.a$b.service': 'x',
  });
  assert.deepEqual(readdirSync(late), []);
  assert.match(stderr, /ignoring credential for unit 'noextension'/);
  assert.match(stderr, /ignoring drop-in '\.hidden'/);
  assert.match(stderr, /ignoring credential for unit 'a\$b\.service'/);
});

test('credential generator: no credentials directory, nothing to do', () => {
  const dirs = ['n', 'e', 'l'].map((d) => join(scratchDir('generator-none'), d));
  const r = spawnSync('sh', [GENERATOR, ...dirs], {
    env: { PATH: '/usr/bin:/bin', CREDENTIALS_DIRECTORY: '/nonexistent' },
  });
  assert.equal(r.status, 0);
});
