import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { InputError } from '../../../src/core/errors.ts';
import { loadRecipe } from '../../../src/recipe/load.ts';
import { scratchDir } from '../../helpers/scratch.ts';

test('recipes: the shipped one loads; errors are located', () => {
  const r = loadRecipe('recipes/minimal.yml');
  assert.equal(r.name, 'debian-minimal');
  const dir = scratchDir('recipe');
  const bad = join(dir, 'bad.yml');
  writeFileSync(bad, 'name: x\ndisk:\n  size: huge\nhostname: Not_Valid\n');
  assert.throws(
    () => loadRecipe(bad),
    (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.match(e.message, /bad\.yml:3:9 {2}disk\.size {2}/);
      assert.match(e.message, /bad\.yml:4:11 {2}hostname {2}not a valid hostname/);
      return true;
    },
  );
  assert.equal(r.disk.rootfs, 'ext4', 'ext4 unless asked');
  writeFileSync(bad, 'name: x\ndisk:\n  rootfs: zfs\n');
  assert.throws(() => loadRecipe(bad), /bad\.yml:3:11 {2}disk\.rootfs {2}/);
});
