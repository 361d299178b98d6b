import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { InputError } from '../../../src/core/errors.ts';
import { Tree, walkDir } from '../../../src/core/tree.ts';
import { customizeDeployment } from '../../../src/image/customize.ts';
import { loadRecipe } from '../../../src/recipe/load.ts';
import { type Recipe, RecipeSchema } from '../../../src/recipe/schema.ts';
import { canary } from '../../helpers/canary.ts';
import { testContext } from '../../helpers/context.ts';
import { scratchDir } from '../../helpers/scratch.ts';

// Confinement: hostile input must not touch the build host. Canary files are planted outside
// the tree (test/helpers/canary.ts) and must be as planted afterwards.

test('image customization: hostile links in the image /etc and skel stay inside the deployment', async () => {
  const c = canary();
  const deploy = join(c.tree, 'deploy');
  const stateVar = join(c.tree, 'var');
  const accounts = {
    passwd: 'root:x:0:0:root:/root:/bin/bash\n',
    group: 'root:x:0:\nsudo:x:27:\n',
    gshadow: 'root:*::\nsudo:*::\n',
  };
  for (const [f, text] of Object.entries(accounts)) c.file(`deploy/etc/${f}`, text);
  c.link('deploy/etc/shadow', `${c.host}/shadow`);
  c.link('deploy/etc/hostname', `${c.host}/canary`);
  c.link('deploy/etc/locale.conf', `${c.host}/canary`);
  c.link('deploy/etc/x', c.host);
  c.link('deploy/etc/skel/.ssh', c.host);
  c.file('deploy/usr/share/zoneinfo/Europe/Berlin', 'TZif');
  c.link('deploy/etc/timezone', `${c.host}/canary`);
  const recipe = (over: object): Recipe => ({
    ...RecipeSchema.parse({ name: 'x', ...over }),
    file: 'hostile.yml',
  });
  // A file through the image's link out of /etc is refused before anything is written.
  await assert.rejects(
    customizeDeployment(
      testContext(),
      deploy,
      stateVar,
      recipe({ hostname: 'box', files: [{ path: '/etc/x/canary', content: 'overwritten' }] }),
    ),
    /files\[0\]\.path {2}the image links \/etc\/x\/canary to \S+, outside \/etc/,
  );
  c.assertIntact();
  // So are the settings' files and the account files the image links out of /etc.
  c.file('deploy/usr/bin/bash', '#!/bin/sh\n');
  chmodSync(join(deploy, 'usr/bin/bash'), 0o755);
  c.link('deploy/bin', 'usr/bin');
  await assert.rejects(
    customizeDeployment(
      testContext(),
      deploy,
      stateVar,
      recipe({
        hostname: 'box',
        locale: 'C.UTF-8',
        timezone: 'Europe/Berlin',
        users: [{ name: 'tux' }],
      }),
    ),
    (e: unknown) => {
      assert.ok(e instanceof InputError);
      for (const key of ['hostname', 'locale', 'timezone', 'users'])
        assert.match(
          e.message,
          new RegExp(`  ${key}  the image links /etc/\\S+ to \\S+, outside /etc`),
        );
      return true;
    },
  );
  c.assertIntact();
  assert.equal(existsSync(stateVar), false, 'nothing written');
  // With a real shadow, the skel's .ssh link is replaced by a directory, not written through.
  c.file('deploy/etc/shadow-real', 'root:*:19000:0:99999:7:::\n');
  new Tree(deploy).rename('etc/shadow-real', 'etc/shadow');
  const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBxxx tux@laptop';
  await customizeDeployment(
    testContext(),
    deploy,
    stateVar,
    recipe({ users: [{ name: 'tux', 'ssh-keys': [key] }] }),
  );
  c.assertIntact();
  assert.equal(readFileSync(join(stateVar, 'home/tux/.ssh/authorized_keys'), 'utf8'), `${key}\n`);
});

const LIB = 'usr/lib/systemd/system';

/**
 * A deployment as a bootc image leaves it, in miniature: account files, a shell, a few units
 * (one enabled in /etc, one by the image in /usr, ssh with its sshd alias), a link out of /etc.
 */
function image(): { deploy: string; stateVar: string } {
  const root = scratchDir('customize');
  const deploy = join(root, 'deploy');
  const put = (p: string, text: string, mode = 0o644) => {
    mkdirSync(dirname(join(deploy, p)), { recursive: true });
    writeFileSync(join(deploy, p), text, { mode });
  };
  const link = (p: string, target: string) => {
    mkdirSync(dirname(join(deploy, p)), { recursive: true });
    symlinkSync(target, join(deploy, p));
  };
  put(
    'etc/passwd',
    'root:x:0:0:root:/root:/bin/bash\nexisting:x:1000:1000::/home/existing:/bin/sh\n',
  );
  put('etc/shadow', 'root:*:20000:0:99999:7:::\nexisting:!:20000:0:99999:7:::\n', 0o640);
  put('etc/group', 'root:x:0:\nadm:x:4:\nsudo:x:27:\nexisting:x:1000:\n');
  put('etc/gshadow', 'root:*::\nadm:*::\nsudo:*::\nexisting:!::\n', 0o640);
  put('etc/hostname', 'image\n');
  put('etc/skel/.profile', '# skel\n');
  put('usr/bin/sh', '#!/bin/sh\n', 0o755);
  put('usr/bin/bash', '#!/bin/sh\n', 0o755);
  link('bin', 'usr/bin');
  link('lib', 'usr/lib');
  put(
    `${LIB}/web.service`,
    '[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n',
  );
  put(`${LIB}/ssh.service`, '[Install]\nWantedBy=multi-user.target\nAlias=sshd.service\n');
  put(`${LIB}/cron.service`, '[Install]\nWantedBy=multi-user.target\n');
  put(`${LIB}/cups.service`, '[Install]\nWantedBy=printer.target\n');
  put(`${LIB}/static.service`, '[Service]\nExecStart=/bin/true\n');
  put(`${LIB}/journald.service`, '[Install]\nWantedBy=sysinit.target\n');
  put(`${LIB}/sysinit.target.wants/journald.service`, '');
  link(
    'etc/systemd/system/multi-user.target.wants/cron.service',
    '/lib/systemd/system/cron.service',
  );
  put('usr/share/linked/app.conf', 'packaged\n');
  link('etc/linked', '/usr/share/linked');
  mkdirSync(join(root, 'var'));
  return { deploy, stateVar: join(root, 'var') };
}

test('groups, users with ids, home and shell, directories, owned files and services reach the deployment', async () => {
  for (const fixture of [
    'bib-customizations.toml',
    'bib-customizations.json',
    'etc-customizations.yml',
  ]) {
    const { deploy, stateVar } = image();
    const r = loadRecipe(`test/fixtures/recipes/${fixture}`);
    const result = await customizeDeployment(testContext(), deploy, stateVar, r);
    const read = (p: string) => readFileSync(join(deploy, p), 'utf8');
    const st = (p: string) => lstatSync(join(deploy, p));
    assert.deepEqual(
      result.users.map((u) => [u.name, u.uid]),
      [['alice', 1500]],
      fixture,
    );
    assert.match(read('etc/passwd'), /^alice:x:1500:2000:Alice Example:\/home\/alice:\/bin\/sh$/m);
    assert.match(read('etc/group'), /^devs:x:2000:$/m, 'the recipe group, alice’s primary');
    assert.match(read('etc/group'), /^ops:x:1001:alice$/m, 'first free gid; alice joined');
    assert.match(read('etc/group'), /^sudo:x:27:alice$/m, 'wheel / admin');
    assert.doesNotMatch(read('etc/group'), /^alice:/m, 'no own group: gid names devs');
    assert.match(read('etc/shadow'), /^alice:[^:]+:0:0:99999:7::30000:$/m);
    const home = lstatSync(join(stateVar, 'home/alice'));
    assert.deepEqual([home.uid, home.gid, home.mode & 0o7777], [1500, 2000, 0o700]);
    const dir = st('etc/app/conf.d');
    assert.deepEqual([dir.uid, dir.gid, dir.mode & 0o7777], [1500, 2000, 0o750]);
    const file = st('etc/app/conf.d/app.conf');
    assert.deepEqual([file.uid, file.gid, file.mode & 0o7777], [1500, 2000, 0o640]);
    assert.equal(read('etc/app/conf.d/app.conf'), 'key = value\n');
    const units = (p: string) => readlinkSync(join(deploy, 'etc/systemd/system', p));
    assert.equal(units('multi-user.target.wants/web.service'), `/${LIB}/web.service`);
    assert.equal(units('multi-user.target.wants/ssh.service'), `/${LIB}/ssh.service`);
    assert.equal(units('sshd.service'), `/${LIB}/ssh.service`);
    assert.equal(units('cups.service'), '/dev/null');
    assert.throws(() => units('multi-user.target.wants/cron.service'), /ENOENT/, 'disabled');
    if (fixture.startsWith('bib-')) {
      assert.equal(read('etc/hostname'), 'bib-full\n');
      assert.equal(
        read('etc/ssh/sshd_config.d/50-bootc-image-builder.conf'),
        'PasswordAuthentication no\nClientAliveInterval 60\nPermitRootLogin prohibit-password\n',
      );
    }
  }
});

/**
 * The corpus of recipes the image itself refuses (test/fixtures/recipes/bad-in-image): each
 * is an error located at its key that matches its `# expect:` line, and the deployment and
 * the stateroot's /var are left exactly as they were.
 */
test('recipes the image refuses: located at the key, nothing written', async () => {
  const dir = 'test/fixtures/recipes/bad-in-image';
  const files = readdirSync(dir);
  assert.ok(files.length >= 15, `${files.length} fixtures`);
  for (const f of files) {
    const expect = readFileSync(join(dir, f), 'utf8').match(/^# expect: (.*)$/m)?.[1];
    assert.ok(expect, `${f}: has an # expect: line`);
    const { deploy, stateVar } = image();
    const before = snapshot(deploy, stateVar);
    await assert.rejects(
      customizeDeployment(testContext(), deploy, stateVar, loadRecipe(join(dir, f))),
      (e: unknown) => {
        assert.ok(e instanceof InputError, `${f}: ${e}`);
        assert.match(
          e.message,
          new RegExp(`${f.replace('.', '\\.')}:([2-9]|\\d\\d+):\\d+  ${expect}`),
          f,
        );
        return true;
      },
    );
    assert.deepEqual(snapshot(deploy, stateVar), before, `${f}: nothing written`);
  }
});

/** Every entry of both trees with its type, mode, owner and content or link target. */
function snapshot(...dirs: string[]): string[] {
  return dirs.flatMap((d) =>
    walkDir(d).map((e) => {
      const p = join(d, e.path);
      const what = e.stats.isSymbolicLink()
        ? `-> ${readlinkSync(p)}`
        : e.stats.isFile()
          ? readFileSync(p, 'utf8')
          : 'dir';
      return `${e.path} ${e.stats.mode} ${e.stats.uid}:${e.stats.gid} ${what}`;
    }),
  );
}

test('the files settings write: links out of /etc, what is in their way, recipe files in them, refused before any write', async () => {
  const zone = (deploy: string) => {
    mkdirSync(join(deploy, 'usr/share/zoneinfo/America'), { recursive: true });
    writeFileSync(join(deploy, 'usr/share/zoneinfo/America/New_York'), 'TZif');
  };
  const cases: [object, (deploy: string, stateVar: string) => void, RegExp][] = [
    [
      // A write through the link would change a file of /usr (an OSTree repo object).
      { hostname: 'box' },
      (deploy) => {
        rmSync(join(deploy, 'etc/hostname'));
        symlinkSync('/usr/share/linked/app.conf', join(deploy, 'etc/hostname'));
      },
      /hostname {2}the image links \/etc\/hostname to \/usr\/share\/linked\/app\.conf, outside \/etc/,
    ],
    [
      { hostname: 'box', locale: 'C.UTF-8' },
      (deploy) => mkdirSync(join(deploy, 'etc/locale.conf')),
      /locale {2}\/etc\/locale\.conf exists in the image and is not a regular file/,
    ],
    [
      // Written after the timezone's link, the file would land in /usr/share/zoneinfo.
      { timezone: 'America/New_York', files: [{ path: '/etc/localtime/x', content: '' }] },
      zone,
      /files\[0\]\.path {2}\/etc\/localtime\/x: \/etc\/localtime is written by timezone/,
    ],
    [{ timezone: 'America' }, zone, /timezone {2}America is not a zone file/],
    [
      { users: [{ name: 'tux' }] },
      (_deploy, stateVar) => writeFileSync(join(stateVar, 'home'), ''),
      /users\[0\]\.home {2}\/var\/home exists in the stateroot and is not a directory/,
    ],
    [
      { hostname: 'box', users: [{ name: 'tux' }] },
      (deploy) => assert.equal(spawnSync('mkfifo', [join(deploy, 'etc/skel/pipe')]).status, 0),
      /users {2}\/etc\/skel\/pipe is not a file, directory or link/,
    ],
  ];
  for (const [over, prepare, expect] of cases) {
    const { deploy, stateVar } = image();
    prepare(deploy, stateVar);
    const before = snapshot(deploy, stateVar);
    const recipe = { ...RecipeSchema.parse({ name: 'x', ...over }), file: 'inline.yml' };
    await assert.rejects(customizeDeployment(testContext(), deploy, stateVar, recipe), (e) => {
      assert.ok(e instanceof InputError, String(e));
      assert.match(e.message, expect);
      return true;
    });
    assert.deepEqual(snapshot(deploy, stateVar), before, `${expect}: nothing written`);
  }
});

test('a locale compiled into the image (locale archive) becomes LANG; C.UTF-8 needs none', async (t) => {
  if (!existsSync('/usr/share/i18n/locales/de_DE'))
    return t.skip('no locale sources on this host (the package locales) to compile a real archive');
  for (const [locale, compile] of [
    ['de_DE.utf8', true],
    ['C.UTF-8', false],
  ] as const) {
    const { deploy, stateVar } = image();
    if (compile) {
      mkdirSync(join(deploy, 'usr/lib/locale'), { recursive: true });
      const r = spawnSync('localedef', [
        '-i',
        'de_DE',
        '-c',
        '-f',
        'UTF-8',
        '--prefix',
        deploy,
        'de_DE.UTF-8',
      ]);
      assert.ok(r.status === 0 || r.status === 1, `localedef: ${r.stderr}`);
    }
    const recipe = { ...RecipeSchema.parse({ name: 'x', locale }), file: 'inline.yml' };
    await customizeDeployment(testContext(), deploy, stateVar, recipe);
    assert.equal(readFileSync(join(deploy, 'etc/locale.conf'), 'utf8'), `LANG=${locale}\n`);
  }
});

test('a recipe can write a unit file and enable it in the same build', async () => {
  const deploy = scratchDir('unit-deploy');
  mkdirSync(join(deploy, 'etc'), { recursive: true });
  mkdirSync(join(deploy, 'usr/lib/systemd/system'), { recursive: true });
  writeFileSync(join(deploy, 'usr/lib/systemd/system/multi-user.target'), '');
  const recipe: Recipe = {
    ...RecipeSchema.parse({
      name: 'x',
      files: [
        {
          path: '/etc/systemd/system/hello.service',
          content: '[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n',
        },
      ],
      services: { enabled: ['hello'] },
    }),
    file: 'unit.yml',
  };
  await customizeDeployment(testContext(), deploy, scratchDir('unit-var'), recipe);
  assert.equal(
    readlinkSync(join(deploy, 'etc/systemd/system/multi-user.target.wants/hello.service')),
    '/etc/systemd/system/hello.service',
  );
  assert.match(readFileSync(join(deploy, 'etc/systemd/system/hello.service'), 'utf8'), /WantedBy/);
});
