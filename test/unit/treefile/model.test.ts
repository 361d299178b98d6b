import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  finishSettings,
  mergeSettings,
  onePerPackage,
  readSettings,
  SETTINGS,
} from '../../../src/treefile/model.ts';
import type { TreefileFile } from '../../../src/treefile/schema.ts';

const read = (d: Record<string, unknown>) => readSettings(d as TreefileFile, '/tf');
const finish = (m: ReturnType<typeof read>) =>
  finishSettings(m, {
    top: '/tf/top.yaml',
    files: ['/tf/top.yaml'],
    sub: (_k, s) => s,
    warnings: [],
  });

test('model: each setting merges by its rule (override, concat, assign)', () => {
  const under = read({
    ref: 'a/b',
    base: 'debian:trixie',
    packages: ['vim'],
    'add-commit-metadata': { x: 1, y: 'under' },
    'container-cmd': ['/sbin/init'],
  });
  const over = read({
    ref: 'a/c',
    packages: ['tcpdump'],
    'add-commit-metadata': { y: 'over' },
    'container-cmd': ['/bin/sh'],
  });
  const m = mergeSettings(under, over);
  assert.equal(m.ref, 'a/c');
  assert.deepEqual(m.packages, ['vim', 'tcpdump']);
  assert.deepEqual(m.commitMetadata, { x: 1, y: 'over' });
  // A command line is one value: replaced, not appended to.
  assert.deepEqual(m.containerCmd, ['/bin/sh']);
  assert.equal(m.suite, 'trixie');
});

test('model: defaults when nothing sets a value; the key order is the table order', () => {
  const tf = finish(read({ ref: 'a/b', base: 'debian:trixie', 'exclude-packages': ['nano'] }));
  assert.equal(tf.repo, '/tf/repo');
  assert.equal(tf.releasever, '13');
  assert.equal(tf.recommends, false);
  assert.equal(tf.documentation, true);
  assert.equal(tf.machineidCompat, true);
  assert.equal(tf.versionPrefix, '${releasever}'); // substituted by the loader's sub()
  assert.deepEqual(tf.excludePackages, ['nano']);
  // The compose input hash serializes the model: its key order must stay the table's.
  assert.deepEqual(Object.keys(tf), [
    'file',
    'files',
    'warnings',
    'scriptSites',
    ...Object.keys(SETTINGS),
  ]);
});

test('model: excluded packages leave the package list, duplicates collapse', () => {
  const tf = finish(
    read({
      ref: 'a/b',
      base: 'debian:trixie',
      packages: ['vim', 'nano', 'vim'],
      'exclude-packages': ['nano'],
    }),
  );
  assert.deepEqual(tf.packages, ['vim']);
});

test('model: one entry per package, a version or suite winning over the bare name, at its first place', () => {
  assert.deepEqual(onePerPackage(['a', 'b=1', 'a/sid', 'c', 'b']), ['a/sid', 'b=1', 'c']);
  assert.deepEqual(onePerPackage(['a=1', 'a=2']), ['a=1'], 'two versions: load.ts reports them');
  const m = finish(
    mergeSettings(
      read({ packages: ['less', 'vim'], 'kernel-flavour': 'rt' }),
      read({ packages: ['less=668-1'], 'exclude-packages': ['vim'] }),
    ),
  );
  assert.deepEqual(m.packages, ['less=668-1']);
  assert.equal(m.kernelFlavour, 'rt');
  assert.equal(finish(read({ 'kernel-flavour': 'default' })).kernelFlavour, undefined);
});
