import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { InputError } from '../../../src/core/errors.ts';
import { loadTreefile } from '../../../src/treefile/load.ts';
import { scratchDir } from '../../helpers/scratch.ts';

const dir = scratchDir('treefile-test');
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

test('includes: scalars override, lists concatenate, paths relative to each file', () => {
  const sub = join(dir, 'inc');
  mkdirSync(join(sub, 'files'), { recursive: true });
  writeFileSync(join(sub, 'files/motd'), 'hello\n');
  writeFileSync(
    join(sub, 'base.yaml'),
    'base: debian:trixie\npackages: [less]\nunits: [a.service]\nrecommends: true\nadd-files:\n  - [files/motd, /etc/motd]\n',
  );
  const top = join(dir, 'top.yaml');
  writeFileSync(
    top,
    'include: inc/base.yaml\nref: debian/${releasever}/${basearch}/${flavour}\nvariables:\n  flavour: test\npackages: [vim-tiny]\nsystem:\n  services: [b.service]\nrecommends: false\n',
  );
  const tf = loadTreefile(top);
  assert.equal(tf.ref, 'debian/13/x86_64/test');
  assert.deepEqual(tf.packages, ['less', 'vim-tiny']);
  assert.deepEqual(tf.units, ['a.service', 'b.service']);
  assert.equal(tf.recommends, false, 'the including file overrides');
  assert.deepEqual(tf.addFiles, [[join(sub, 'files/motd'), '/etc/motd']]);
  assert.deepEqual(tf.files, [top, join(sub, 'base.yaml')]);
});

test('exclude-packages removes packages and seed and rpm-ostree keys map to one model', () => {
  const p = write(
    'dialects.yaml',
    'ostree:\n  ref: x/y\nbase: debian:trixie\npackages: [a1, b2]\nexclude-packages: [b2]\npostinstall: ["echo hi"]\nsystem:\n  directories: [/var/lib/x, /opt2]\n',
  );
  const tf = loadTreefile(p);
  assert.deepEqual(tf.packages, ['a1']);
  assert.deepEqual(tf.excludePackages, ['b2']);
  assert.deepEqual(tf.postprocess, ['echo hi']);
  assert.deepEqual(tf.directories, ['/var/lib/x', '/opt2']);
  assert.equal(tf.versionPrefix, '13');
});

test('the five shipped variants load', () => {
  for (const v of ['minimal', 'gnome-atomic', 'kde-atomic', 'sway-atomic', 'budgie-atomic']) {
    const tf = loadTreefile(`treefiles/debian-${v}.yaml`);
    assert.equal(tf.ref, `debian/13/x86_64/${v}`);
    assert.equal(tf.suite, 'trixie');
    if (v !== 'minimal') {
      assert.equal(tf.defaultTarget, 'graphical.target', v);
      assert.ok(tf.packages.includes('firefox-esr') && tf.packages.includes('network-manager'), v);
    }
  }
});
