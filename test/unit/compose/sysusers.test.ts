import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sysusersLines } from '../../../src/compose/sysusers.ts';
import { varTmpfilesLines } from '../../../src/compose/var-tmpfiles.ts';

test('sysusers.d: every system user and group with its ids, groups first; regular users left out', () => {
  const passwd = [
    'root:x:0:0:root:/root:/bin/bash',
    'systemd-network:x:998:998:systemd Network Management:/:/usr/sbin/nologin',
    'tux:x:1000:1000:Tux:/home/tux:/bin/bash',
    'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
  ].join('\n');
  const group = ['root:x:0:', 'systemd-network:x:998:', 'tux:x:1000:', 'nogroup:x:65534:'].join(
    '\n',
  );
  assert.deepEqual(sysusersLines(passwd, group), [
    'g root 0',
    'g systemd-network 998',
    'g nogroup 65534',
    'u root 0:0 "root" /root /bin/bash',
    'u systemd-network 998:998 "systemd Network Management" / /usr/sbin/nologin',
    'u nobody 65534:65534 "nobody" /nonexistent /usr/sbin/nologin',
  ]);
});

// Confinement: hostile input must not touch the build host. Canary files are planted outside
// the tree (test/helpers/canary.ts) and must be as planted afterwards.

test('system files built from tree content: a hostile /var link or passwd entry cannot add lines', () => {
  assert.throws(
    () =>
      varTmpfilesLines([
        { path: 'x', type: 'symlink', mode: 0o777, uid: 0, gid: 0, target: 'a\nR / - - - -' },
      ]),
    /\/var\/x: symlink target .* cannot be recreated/,
  );
  assert.throws(
    () => sysusersLines('evil:x:100:100::/home/a b:/bin/sh\n', 'evil:x:100:\n'),
    /cannot express/,
  );
  assert.deepEqual(sysusersLines('d:x:1:1:"a\\"b:/:/bin/sh\n', 'd:x:1:\n'), [
    'g d 1',
    'u d 1:1 "ab" / /bin/sh',
  ]);
});
