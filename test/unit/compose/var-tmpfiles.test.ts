import assert from 'node:assert/strict';
import { test } from 'node:test';
import { varTmpfilesLines } from '../../../src/compose/var-tmpfiles.ts';

test('tmpfiles lines: parents first, modes in octal, odd characters escaped', () => {
  const lines = varTmpfilesLines([
    { path: 'lib/x y', type: 'file', mode: 0o100640, uid: 0, gid: 42 },
    { path: 'lib', type: 'dir', mode: 0o40755, uid: 0, gid: 0 },
  ]);
  assert.deepEqual(lines, [
    'd /var/lib 0755 0 0 - -',
    'C /var/lib/x\\x20y 0640 0 42 - /usr/share/factory/var/lib/x\\x20y',
  ]);
});
