import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lintTree } from '../../../src/container/lint.ts';
import { Tree } from '../../../src/core/tree.ts';
import { kargsToml, parseKargsToml, readImageKargs } from '../../../src/ostree/kargs.ts';
import { canary } from '../../helpers/canary.ts';

test('kargs.d TOML: kargs, architecture matching, round trip', () => {
  assert.deepEqual(parseKargsToml('kargs = ["quiet", "mitigations=off"]\n'), [
    'quiet',
    'mitigations=off',
  ]);
  assert.deepEqual(parseKargsToml('kargs = ["a"]\nmatch-architectures = ["aarch64"]\n'), []);
  assert.deepEqual(parseKargsToml('kargs = ["a"]\nmatch-architectures = ["x86_64"]\n'), ['a']);
  assert.deepEqual(parseKargsToml(kargsToml(['x="y z"', 'b'])), ['x="y z"', 'b']);
});

// Confinement: hostile input must not touch the build host. Canary files are planted outside
// the tree (test/helpers/canary.ts) and must be as planted afterwards.

test('image kargs.d and lint read inside the image only', () => {
  const c = canary();
  c.link('usr/lib/bootc/kargs.d', c.host);
  c.link('etc/passwd', `${c.host}/passwd`);
  assert.deepEqual(readImageKargs(new Tree(c.tree)), []);
  const text = JSON.stringify(lintTree(c.tree));
  assert.doesNotMatch(text, /hostonlyuser|host\.karg/);
  const other = canary();
  other.file('usr/lib/bootc/kargs.d/evil.toml', 'kargs = ["quiet\\ninitrd /evil"]\n');
  assert.throws(
    () => readImageKargs(new Tree(other.tree)),
    /kargs\.d\/evil\.toml: kernel argument/,
  );
});
