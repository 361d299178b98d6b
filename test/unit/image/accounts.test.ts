import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AccountError, addGroups, addUsers, isCryptHash } from '../../../src/image/accounts.ts';

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

test('groups are added first; users may take a chosen uid, an existing group as primary, or their own gid', () => {
  const g = addGroups(base, [{ name: 'devs', gid: 2000 }, { name: 'ops' }]);
  assert.deepEqual(g.added, [
    { name: 'devs', gid: 2000 },
    { name: 'ops', gid: 1000 },
  ]);
  assert.match(g.files.group, /^devs:x:2000:$/m);
  assert.match(g.files.gshadow, /^ops:!::$/m);
  const { files, added } = addUsers(
    g.files,
    [
      // Leaves its ids open: the first free ones that nobody else asked for.
      { name: 'carol', groups: ['ops'], shell: '/bin/sh', home: '/home/carol' },
      { name: 'alice', uid: 1001, gid: 2000, groups: [], shell: '/bin/sh', home: '/home/a' },
      { name: 'bob', uid: 1500, gid: 1500, groups: [], shell: '/bin/sh', home: '/home/bob' },
      {
        name: 'dave',
        groups: [],
        shell: '/bin/sh',
        home: '/home/dave',
        description: 'Dave D.',
        expireDate: 21000,
        forcePasswordReset: true,
        hash: '$6$s$h',
      },
    ],
    20500,
  );
  assert.deepEqual(added, [
    { name: 'carol', uid: 1000, gid: 1001 },
    { name: 'alice', uid: 1001, gid: 2000 },
    { name: 'bob', uid: 1500, gid: 1500 },
    { name: 'dave', uid: 1002, gid: 1002 },
  ]);
  assert.doesNotMatch(files.group, /^alice:/m, 'primary group devs: no own group');
  assert.match(files.group, /^bob:x:1500:$/m, 'own group with the chosen gid');
  assert.match(files.group, /^ops:x:1000:carol$/m);
  assert.match(files.passwd, /^dave:x:1002:1002:Dave D\.:\/home\/dave:\/bin\/sh$/m);
  assert.match(files.shadow, /^dave:\$6\$s\$h:0:0:99999:7::21000:$/m, 'reset forced, expiry set');
});

test('taken names and ids are AccountErrors naming the recipe key', () => {
  const err = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      assert.ok(e instanceof AccountError);
      return `${e.key.join('.')}: ${e.message}`;
    }
    assert.fail('accepted');
  };
  assert.equal(
    err(() => addGroups(base, [{ name: 'adm' }])),
    'groups.0.name: group adm already exists in the image',
  );
  assert.equal(
    err(() => addGroups(base, [{ name: 'x' }, { name: 'y', gid: 100 }])),
    'groups.1.gid: gid 100 is already used by group users in the image',
  );
  const user = { groups: [], shell: '/bin/sh', home: '/home/x' };
  assert.equal(
    err(() => addUsers(base, [{ ...user, name: 'x', uid: 65534 }], 1)),
    'users.0.uid: uid 65534 is already used by user nobody',
  );
  assert.equal(
    err(() => addUsers(base, [{ ...user, name: 'x', gid: 500 }], 1)),
    "users.0.gid: no group has gid 500, and a new group's gid must be 1000–59999",
  );
  assert.match(
    err(() => addUsers(base, [{ ...user, name: 'adm' }], 1)),
    /^users\.0\.name: group adm already exists .*give the user its gid/,
  );
  // adm (gid 4) as the primary group is allowed: the group exists.
  const { files } = addUsers(base, [{ ...user, name: 'adm', gid: 4 }], 1);
  assert.match(files.passwd, /^adm:x:1000:4:/m);
});
