import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { hostReadOnlyArgv } from '../../../src/core/sandbox.ts';
import { canary } from '../../helpers/canary.ts';

// Confinement: hostile input must not touch the build host. Canary files are planted outside
// the tree (test/helpers/canary.ts) and must be as planted afterwards.

test('the sandbox for host tools: the host is read-only, devices cannot be made', (t) => {
  if (spawnSync('bwrap', ['--version']).status !== 0) return t.skip('bubblewrap is not installed');
  const c = canary();
  const argv = hostReadOnlyArgv(
    [c.tree],
    ['sh', '-c', `echo x > ${c.host}/canary; mknod ${c.tree}/sda b 8 0; echo ok > ${c.tree}/f`],
  );
  const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8' });
  assert.match(r.stderr, /Read-only file system/);
  assert.match(r.stderr, /Operation not permitted/);
  assert.ok(!existsSync(join(c.tree, 'sda')));
  assert.equal(readFileSync(join(c.tree, 'f'), 'utf8'), 'ok\n');
  c.assertIntact();
  const sysctl = hostReadOnlyArgv([c.tree], ['sh', '-c', 'echo evil > /proc/sys/kernel/hostname']);
  const s = spawnSync(sysctl[0] as string, sysctl.slice(1), { encoding: 'utf8' });
  assert.notEqual(s.status, 0);
  assert.match(s.stderr, /Read-only file system/);
});
