import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
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

/**
 * The bad-input corpus: each file in test/fixtures/recipes/bad is refused when loaded, with a
 * located message (file:line:col  key  message) for each of its `# expect:` lines, all in one
 * load (a file with several faults reports every one of them at once).
 */
test('bad recipes and configs: each refused at its key with the reason it expects', () => {
  const dir = 'test/fixtures/recipes/bad';
  const files = readdirSync(dir);
  assert.ok(files.length >= 40, `${files.length} bad inputs`);
  for (const f of files) {
    const source = readFileSync(join(dir, f), 'utf8');
    const expects = [...source.matchAll(/^# expect: (.*)$/gm)].map((m) => m[1] as string);
    assert.ok(expects.length, `${f}: has an # expect: line`);
    assert.throws(
      () => loadRecipe(join(dir, f)),
      (e: unknown) => {
        assert.ok(e instanceof InputError, `${f}: ${e}`);
        assert.equal(e.exitCode, 2);
        // Located at the key: never the comment on line 1.
        for (const expect of expects)
          assert.match(
            e.message,
            new RegExp(`${f.replace('.', '\\.')}:([2-9]|\\d\\d+):\\d+  ${expect}`),
            `${f}: ${expect}`,
          );
        return true;
      },
      f,
    );
  }
});
