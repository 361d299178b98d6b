import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Tree } from '../../../src/core/tree.ts';
import { customizeDeployment } from '../../../src/image/customize.ts';
import { type Recipe, RecipeSchema } from '../../../src/recipe/schema.ts';
import { canary } from '../../helpers/canary.ts';
import { testContext } from '../../helpers/context.ts';

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
  await customizeDeployment(
    testContext(),
    deploy,
    stateVar,
    recipe({
      hostname: 'box',
      locale: 'C.UTF-8',
      timezone: 'Europe/Berlin',
      files: [{ path: '/etc/x/canary', content: 'overwritten' }],
    }),
  );
  c.assertIntact();
  // The shadow link dangles inside the image: adding users fails, naming the file.
  await assert.rejects(
    customizeDeployment(testContext(), deploy, stateVar, recipe({ users: [{ name: 'tux' }] })),
    /\/etc\/shadow: does not exist in the tree/,
  );
  c.assertIntact();
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
