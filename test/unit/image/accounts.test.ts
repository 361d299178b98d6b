import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addUsers, isCryptHash } from '../../../src/image/accounts.ts';

const base = {
  passwd:
    'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n',
  shadow: 'root:*:20000:0:99999:7:::\n',
  group: 'root:x:0:\nadm:x:4:\nsudo:x:27:\nusers:x:100:\n',
  gshadow: 'root:*::\nadm:*::\nsudo:*::\nusers:*::\n',
};

test('users get the first free ids, their own group, a shadow entry and their groups', () => {
  const { files, added } = addUsers(
    base,
    [
      {
        name: 'alice',
        hash: '$6$salt$hash',
        groups: ['sudo', 'adm'],
        shell: '/bin/bash',
        home: '/home/alice',
      },
      { name: 'bob', groups: [], shell: '/bin/sh', home: '/home/bob' },
    ],
    20500,
  );
  assert.deepEqual(added, [
    { name: 'alice', uid: 1000, gid: 1000 },
    { name: 'bob', uid: 1001, gid: 1001 },
  ]);
  assert.match(files.passwd, /^alice:x:1000:1000::\/home\/alice:\/bin\/bash$/m);
  assert.match(files.shadow, /^alice:\$6\$salt\$hash:20500:0:99999:7:::$/m);
  assert.match(files.shadow, /^bob:!:20500:/m, 'no password: locked');
  assert.match(files.group, /^sudo:x:27:alice$/m);
  assert.match(files.group, /^adm:x:4:alice$/m);
  assert.match(files.group, /^alice:x:1000:$/m);
  assert.match(files.gshadow, /^sudo:\*::alice$/m);
  assert.match(files.passwd, /^root:x:0:0:/m, 'existing entries kept');
});

test('a missing group or an existing user is an error naming it', () => {
  assert.throws(
    () => addUsers(base, [{ name: 'x', groups: ['wheel'], shell: '/bin/sh', home: '/home/x' }], 1),
    /group\(s\) wheel do not exist/,
  );
  assert.throws(
    () => addUsers(base, [{ name: 'root', groups: [], shell: '/bin/sh', home: '/root' }], 1),
    /user root already exists/,
  );
});

test('crypt hashes are told apart from plain passwords', () => {
  assert.ok(isCryptHash('$6$abc$def'));
  assert.ok(isCryptHash('$y$j9T$abc$def'));
  assert.ok(!isCryptHash('hunter2'));
  assert.ok(!isCryptHash('$notahash'));
});
