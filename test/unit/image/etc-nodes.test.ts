import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { Tree } from '../../../src/core/tree.ts';
import {
  collisions,
  planEtcNodes,
  settingFiles,
  writeEtcNodes,
} from '../../../src/image/etc-nodes.ts';
import { RecipeSchema } from '../../../src/recipe/schema.ts';
import { canary } from '../../helpers/canary.ts';
import { scratchDir } from '../../helpers/scratch.ts';

const ACCOUNTS = {
  passwd: 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n',
  group: 'root:x:0:\nadm:x:4:\nalice:x:1000:\n',
};

function deployment(files: Record<string, string> = {}) {
  const root = scratchDir('etc-nodes');
  mkdirSync(join(root, 'etc'));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), text);
  }
  return { root, os: new Tree(root), stat: (p: string) => lstatSync(join(root, p)) };
}

const recipe = (over: object) => RecipeSchema.parse({ name: 'x', ...over });

test('directories and files get their mode and owner; names are looked up, ids taken as they are', () => {
  const d = deployment({ 'etc/existing.conf': 'old\n' });
  const plan = planEtcNodes(
    d.os,
    recipe({
      directories: [
        { path: '/etc/app', mode: '0750', user: 'alice', group: 'adm' },
        { path: '/etc/app/conf.d' },
        { path: '/etc/deep/er/still', 'ensure-parents': true, user: 2000, group: 2001 },
      ],
      files: [
        { path: '/etc/app/conf.d/a.conf', content: 'a=1\n', mode: '0600', user: 'alice' },
        { path: '/etc/existing.conf', content: 'new\n' },
      ],
    }),
    ACCOUNTS,
  );
  assert.deepEqual(plan.problems, []);
  writeEtcNodes(d.os, plan.nodes);
  const app = d.stat('etc/app');
  assert.ok(app.isDirectory());
  assert.equal(app.mode & 0o7777, 0o750);
  assert.deepEqual([app.uid, app.gid], [1000, 4]);
  assert.equal(d.stat('etc/app/conf.d').mode & 0o7777, 0o755, 'default mode');
  const still = d.stat('etc/deep/er/still');
  assert.deepEqual([still.uid, still.gid], [2000, 2001]);
  const parent = d.stat('etc/deep/er');
  assert.deepEqual([parent.uid, parent.mode & 0o7777], [0, 0o755], 'parents: root, 0755');
  const a = d.stat('etc/app/conf.d/a.conf');
  assert.deepEqual([a.mode & 0o7777, a.uid, a.gid], [0o600, 1000, 0], 'group unset: kept');
  assert.equal(readFileSync(join(d.root, 'etc/app/conf.d/a.conf'), 'utf8'), 'a=1\n');
  assert.equal(readFileSync(join(d.root, 'etc/existing.conf'), 'utf8'), 'new\n');
});

test('a missing parent, an unknown owner, a file where a directory goes: each named, nothing planned', () => {
  const d = deployment({ 'etc/taken': 'a file\n', 'etc/dir/x': '' });
  const plan = planEtcNodes(
    d.os,
    recipe({
      directories: [
        { path: '/etc/missing/child' },
        { path: '/etc/taken' },
        { path: '/etc/ok', user: 'bob' },
        { path: '/etc/taken/below', 'ensure-parents': true },
      ],
      files: [
        { path: '/etc/dir', content: '' },
        { path: '/etc/f', content: '', group: 'nogroup' },
      ],
    }),
    ACCOUNTS,
  );
  const said = Object.fromEntries(plan.problems.map((p) => [p.key.join('.'), p.message]));
  assert.match(
    said['directories.0.ensure-parents'] ?? '',
    /\/etc\/missing does not exist in the image: create it first or set ensure-parents/,
  );
  assert.match(
    said['directories.1.path'] ?? '',
    /\/etc\/taken exists in the image and is not a directory/,
  );
  assert.match(said['directories.2.user'] ?? '', /no user bob in the image or the recipe's users/);
  assert.match(
    said['directories.3.path'] ?? '',
    /\/etc\/taken exists in the image and is not a directory/,
  );
  assert.match(
    said['files.0.path'] ?? '',
    /\/etc\/dir exists in the image and is not a regular file/,
  );
  assert.match(said['files.1.group'] ?? '', /no group nogroup in the image or the recipe's groups/);
});

// Confinement: hostile input must not touch the build host. Canary files are planted outside
// the tree (test/helpers/canary.ts) and must be as planted afterwards.

test('files and directories: links in the image out of /etc are refused, never written through', () => {
  const c = canary();
  c.file('usr/share/app/defaults.conf', 'packaged\n');
  c.link('etc/app', '/usr/share/app');
  c.link('etc/hostdir', c.host);
  c.link('etc/hostfile', `${c.host}/canary`);
  c.link('etc/relative', '../../../../../../../..');
  const os = new Tree(c.tree);
  const plan = planEtcNodes(
    os,
    recipe({
      directories: [{ path: '/etc/hostdir/new', mode: '0777' }, { path: '/etc/relative/x' }],
      files: [
        { path: '/etc/app/defaults.conf', content: 'mine\n' },
        { path: '/etc/hostfile', content: 'overwritten', mode: '0777' },
        { path: '/etc/hostdir/dir/file', content: 'x' },
      ],
    }),
    ACCOUNTS,
  );
  assert.equal(plan.nodes.length, 0);
  assert.equal(plan.problems.length, 5);
  for (const p of plan.problems) assert.match(p.message, /outside \/etc; not writing through it/);
  assert.match(
    plan.problems.find((p) => p.key.join('.') === 'files.0.path')?.message ?? '',
    /links \/etc\/app\/defaults\.conf to \/usr\/share\/app\/defaults\.conf/,
  );
  c.assertIntact();
  assert.equal(readFileSync(join(c.tree, 'usr/share/app/defaults.conf'), 'utf8'), 'packaged\n');
});

test('files: what is in the way of a file or its parents is found while planning, parents are planned', () => {
  const d = deployment({ 'etc/hostname': 'box\n' });
  symlinkSync('/etc/first.conf', join(d.root, 'etc/alias.conf'));
  const plan = planEtcNodes(
    d.os,
    recipe({
      directories: [{ path: '/etc/made' }],
      files: [
        { path: '/etc/hostname/x.conf', content: '' },
        { path: '/etc/made', content: '' },
        { path: '/etc/first.conf', content: 'a\n' },
        { path: '/etc/first.conf/below', content: '' },
        { path: '/etc/alias.conf', content: 'b\n' },
        { path: '/etc/new/deep/file.conf', content: 'c\n' },
        { path: '/etc/new', content: '' },
      ],
    }),
    ACCOUNTS,
  );
  const said = Object.fromEntries(plan.problems.map((p) => [p.key.join('.'), p.message]));
  assert.deepEqual(Object.keys(said), [
    'files.0.path',
    'files.1.path',
    'files.3.path',
    'files.4.path',
    'files.6.path',
  ]);
  assert.match(
    said['files.0.path'] ?? '',
    /\/etc\/hostname exists in the image and is not a directory/,
  );
  assert.match(said['files.1.path'] ?? '', /\/etc\/made is made by directories\.0 already/);
  assert.match(said['files.3.path'] ?? '', /an earlier entry makes \/etc\/first\.conf a file/);
  assert.match(said['files.4.path'] ?? '', /\/etc\/first\.conf is made by files\.2 already/);
  assert.match(said['files.6.path'] ?? '', /an earlier entry makes \/etc\/new a directory/);
  const file = plan.nodes.find((n) => n.path === '/etc/new/deep/file.conf');
  assert.deepEqual(file?.parents, ['/etc/new', '/etc/new/deep']);
  writeEtcNodes(d.os, plan.nodes);
  assert.equal(d.stat('etc/new/deep').mode & 0o7777, 0o755);
  assert.equal(readFileSync(join(d.root, 'etc/new/deep/file.conf'), 'utf8'), 'c\n');
});

test('collisions: a node at, below or (a file) above what a setting or a link writes', () => {
  const d = deployment();
  const plan = planEtcNodes(
    d.os,
    recipe({
      directories: [{ path: '/etc/systemd/system', 'ensure-parents': true }],
      files: [
        { path: '/etc/hostname', content: '' },
        { path: '/etc/localtime/zone', content: '' },
        { path: '/etc/systemd/system/a.target.wants', content: '' },
        { path: '/etc/motd', content: '' },
      ],
    }),
    ACCOUNTS,
  );
  assert.deepEqual(plan.problems, []);
  const written = [
    ...settingFiles(d.os, { hostname: 'box', timezone: 'UTC', locale: undefined }),
    { path: 'etc/systemd/system/a.target.wants/a.service', link: true, by: 'services' },
  ];
  assert.deepEqual(
    collisions(d.os, plan.nodes, written).map((p) => `${p.key.join('.')}: ${p.message}`),
    [
      'files.0.path: /etc/hostname: /etc/hostname is written by hostname',
      'files.1.path: /etc/localtime/zone: /etc/localtime is written by timezone',
      'files.2.path: /etc/systemd/system/a.target.wants: /etc/systemd/system/a.target.wants/a.service is written by services',
    ],
    'a directory above a link and an unrelated file are fine',
  );
});
