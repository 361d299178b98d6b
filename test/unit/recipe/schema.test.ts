import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSize, RecipeSchema } from '../../../src/recipe/schema.ts';

test('sizes with units', () => {
  assert.equal(parseSize('4G'), 4 * 2 ** 30);
  assert.equal(parseSize('512MiB'), 512 * 2 ** 20);
  assert.equal(parseSize(1000), 1000);
  assert.throws(() => parseSize('lots'));
});

// Confinement: hostile input must not touch the build host. Canary files are planted outside
// the tree (test/helpers/canary.ts) and must be as planted afterwards.

test('recipe values cannot add lines to authorized_keys, shadow, passwd or the BLS entry', () => {
  const bad = (over: object) => RecipeSchema.safeParse({ name: 'x', ...over }).success;
  const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBxxx';
  assert.equal(bad({ users: [{ name: 'u', 'ssh-keys': [key] }] }), true);
  assert.equal(
    bad({ users: [{ name: 'u', 'ssh-keys': [`${key}\ncommand="rm -rf /" ${key}`] }] }),
    false,
  );
  assert.equal(bad({ users: [{ name: 'u', password: 'a\n$6$x$y' }] }), false);
  assert.equal(bad({ users: [{ name: 'u', shell: '/bin/sh:0:0' }] }), false);
  assert.equal(bad({ kernel: { append: ['quiet\ninitrd /evil'] } }), false);
  assert.equal(bad({ files: [{ path: '/etc/../root/x', content: '' }] }), false);
  assert.equal(bad({ update: { url: 'http://a/\nurl=http://evil/' } }), false);
});
