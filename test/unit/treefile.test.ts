import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { InputError } from '../../src/core/errors.ts';
import { loadTreefile } from '../../src/treefile/load.ts';

const dir = mkdtempSync(join(tmpdir(), 'treefile-test-'));
function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
function issuesOf(path: string): string[] {
  try {
    loadTreefile(path);
  } catch (e) {
    assert.ok(e instanceof InputError, `expected InputError, got ${e}`);
    return e.message.split('\n');
  }
  assert.fail('expected the treefile to be rejected');
}

test('the shipped minimal treefile loads and resolves', () => {
  const tf = loadTreefile('treefiles/debian-minimal.yaml');
  assert.equal(tf.ref, 'debian/13/x86_64/minimal');
  assert.equal(tf.suite, 'trixie');
  assert.equal(tf.releasever, '13');
  assert.ok(tf.repo.endsWith('/build/repo'));
  assert.ok(tf.packages.includes('less'));
});

test('repo path is relative to the treefile and defaults to ./repo', () => {
  const p = write('norepo.yaml', 'ostree:\n  ref: a/b\nbase: debian:trixie\n');
  assert.equal(loadTreefile(p).repo, join(dir, 'repo'));
});

test('an unknown key is reported with file, line, column and key', () => {
  const p = write('unknown.yaml', 'ostree:\n  ref: a/b\nbase: debian:trixie\npackagez: [vim]\n');
  const [line] = issuesOf(p);
  assert.match(line ?? '', /unknown\.yaml:4:1 {2}packagez {2}/);
});

test('a wrong type points at the value', () => {
  const p = write('type.yaml', 'ostree:\n  ref: a/b\nbase: debian:trixie\npackages: vim\n');
  assert.match(issuesOf(p)[0] ?? '', /type\.yaml:4:11 {2}packages {2}.*array/i);
});

test('an invalid ref and an unknown suite are both reported', () => {
  const p = write('two.yaml', 'ostree:\n  ref: "debian//bad ref"\nbase: debian:jessiee\n');
  const issues = issuesOf(p);
  assert.equal(issues.length, 2);
  assert.match(issues.join('\n'), /two\.yaml:2:8 {2}ostree\.ref {2}not a valid OSTree ref/);
  assert.match(issues.join('\n'), /two\.yaml:3:7 {2}base {2}unknown Debian suite/);
});

test('YAML syntax errors carry a position', () => {
  const p = write('syntax.yaml', 'ostree:\n  ref: [a\nbase: debian:trixie\n');
  assert.match(issuesOf(p)[0] ?? '', /syntax\.yaml:\d+:\d+ {2}\(root\) {2}YAML: /);
});

test('a missing treefile is a usage error, not a crash', () => {
  assert.throws(() => loadTreefile(join(dir, 'nope.yaml')), /cannot read treefile/);
});
