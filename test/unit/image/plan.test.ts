import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseImageRef } from '../../../src/core/image-ref.ts';
import { newDiskIds } from '../../../src/image/disk-size.ts';
import { formatPlan } from '../../../src/image/format-plan.ts';
import { planImage, plannedGroups, plannedUsers } from '../../../src/image/plan.ts';
import { RecipeSchema } from '../../../src/recipe/schema.ts';

const recipe = {
  ...RecipeSchema.parse({
    name: 'x',
    groups: [{ name: 'ops', gid: 1500 }, { name: 'web' }],
    directories: [{ path: '/etc/app', mode: '750', user: 'root', group: 'ops' }],
    files: [
      { path: '/etc/app/conf', content: 'secret=1\n', mode: '0640', group: 'ops' },
      { path: '/etc/motd', content: 'hello\n' },
    ],
    services: { enabled: ['app'], disabled: ['cron.service'], masked: ['getty@tty1'] },
  }),
  file: 'x.yml',
};

const plan = (over: Partial<Parameters<typeof planImage>[0]> = {}) =>
  planImage({
    source: parseImageRef('oci-archive:/images/x.ociarchive'),
    manifestDigest: 'sha256:0',
    labels: {},
    recipe,
    types: ['qcow2'],
    outputDir: 'out',
    ids: newDiskIds(),
    osBytes: 2 ** 30,
    commit: '(made at build time)',
    imageKargs: [],
    users: plannedUsers(recipe),
    groups: plannedGroups(recipe),
    ...over,
  });

test('the plan lists the recipe’s groups, directories, files (not their content) and services', () => {
  const p = plan();
  assert.deepEqual(p.groups, [
    { name: 'ops', gid: 1500 },
    { name: 'web', gid: -1 },
  ]);
  assert.deepEqual(p.directories, [{ path: '/etc/app', mode: '0750', user: 'root', group: 'ops' }]);
  assert.deepEqual(p.files, [
    { path: '/etc/app/conf', mode: '0640', group: 'ops', bytes: 9 },
    { path: '/etc/motd', mode: '0644', bytes: 6 },
  ]);
  assert.deepEqual(p.services, {
    enabled: ['app.service'],
    disabled: ['cron.service'],
    masked: ['getty@tty1.service'],
  });
  assert.doesNotMatch(JSON.stringify(p), /secret/);
  // The build reports the gids the groups got.
  assert.deepEqual(
    plan({
      groups: [
        { name: 'ops', gid: 1500 },
        { name: 'web', gid: 1501 },
      ],
    }).groups[1],
    {
      name: 'web',
      gid: 1501,
    },
  );
});

test('the printed plan shows them, owners as chown writes them', () => {
  const text = formatPlan({ ...plan(), estimated: true });
  for (const line of [
    '  group      ops gid=1500',
    '  group      web gid=(assigned at build)',
    '  directory  /etc/app mode=0750 owner=root:ops',
    '  file       /etc/app/conf mode=0640 owner=:ops 9 bytes',
    '  file       /etc/motd mode=0644 6 bytes',
    '  services   enabled: app.service',
    '  services   disabled: cron.service',
    '  services   masked: getty@tty1.service',
  ])
    assert.ok(text.split('\n').includes(line), `${line}\n--- in ---\n${text}`);
});
