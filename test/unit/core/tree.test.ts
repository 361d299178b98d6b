/**
 * core/tree.ts: paths resolve as inside chroot(tree). Each operation is tried against `..`
 * and against absolute and relative symlinks that point at the host; the host's canary
 * files must stay as planted.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolveInTree, Tree, TreePathError, walkDir } from '../../../src/core/tree.ts';
import { canary } from '../../helpers/canary.ts';
import { scratchDir } from '../../helpers/scratch.ts';

test('".." never climbs above the root, and absolute links restart at the root', () => {
  const c = canary();
  c.link('usr/lib/abs', c.host);
  c.link('usr/lib/rel', '../../../../../../..');
  assert.equal(resolveInTree(c.tree, '../../..').host, c.tree);
  assert.equal(resolveInTree(c.tree, 'usr/../../../etc').host, join(c.tree, 'etc'));
  const abs = resolveInTree(c.tree, 'usr/lib/abs/canary');
  assert.equal(abs.host, join(c.tree, c.host, 'canary'));
  assert.deepEqual(abs.links, [`/usr/lib/abs -> ${c.host}`]);
  assert.equal(resolveInTree(c.tree, 'usr/lib/rel/canary').host, join(c.tree, 'canary'));
  // A final link is left alone when asked (what rm and rename act on).
  assert.equal(resolveInTree(c.tree, 'usr/lib/abs', false).host, join(c.tree, 'usr/lib/abs'));
});

test('a loop of links is an error, not a hang', () => {
  const c = canary();
  c.link('a', 'b');
  c.link('b', 'a');
  assert.throws(() => resolveInTree(c.tree, 'a/x'), TreePathError);
});

test('write, mkdir, copyIn, chmod and symlink through a hostile link stay in the tree', () => {
  const c = canary();
  c.link('etc', c.host);
  c.link('usr/lib/x', '../../../../../../../..'); // relative, climbing
  const t = new Tree(c.tree);
  t.write('etc/canary', 'overwritten\n');
  t.write('usr/lib/x/canary', 'overwritten\n');
  t.mkdir('etc/dir/new');
  t.copyIn(join(c.host, 'passwd'), 'etc/passwd');
  t.chmod('etc/canary', 0o600);
  t.symlink('target', 'etc/dir/file');
  c.assertIntact();
  assert.equal(readFileSync(join(c.tree, c.host, 'canary'), 'utf8'), 'overwritten\n');
  assert.equal(readFileSync(join(c.tree, 'canary'), 'utf8'), 'overwritten\n');
  assert.ok(existsSync(join(c.tree, c.host, 'dir/new')));
  assert.equal(readlinkSync(join(c.tree, c.host, 'dir/file')), 'target');
});

test('remove, emptyDir and rename act inside the tree; a final link is removed, not followed', () => {
  const c = canary();
  c.link('var', c.host);
  c.link('usr/lib/x', c.host);
  const t = new Tree(c.tree);
  assert.equal(t.remove('usr/lib/x/canary'), false, 'nothing there inside the tree');
  assert.equal(t.remove('usr/lib/x'), true);
  assert.ok(!existsSync(join(c.tree, 'usr/lib/x')));
  t.emptyDir('var');
  assert.ok(lstatSync(join(c.tree, 'var')).isDirectory(), 'the link became a directory');
  c.link('etc', c.host);
  t.mkdir('boot');
  t.rename('etc', 'usr/etc');
  assert.equal(readlinkSync(join(c.tree, 'usr/etc')), c.host, 'the link moved, not its target');
  assert.throws(() => t.remove('/'), TreePathError);
  assert.throws(() => t.remove('usr/..'), TreePathError);
  c.assertIntact();
});

test('chown through a hostile link changes the file in the tree, never the host file', () => {
  const c = canary();
  c.link('etc/abs', `${c.host}/canary`);
  c.file(`${c.host.slice(1)}/canary`, 'in the tree\n');
  const t = new Tree(c.tree);
  t.chown('etc/abs', 1234, 1235);
  const inTree = lstatSync(join(c.tree, c.host, 'canary'));
  assert.deepEqual([inTree.uid, inTree.gid], [1234, 1235]);
  const host = lstatSync(join(c.host, 'canary'));
  assert.deepEqual([host.uid, host.gid], [process.getuid?.(), process.getgid?.()]);
  assert.throws(() => t.chown('etc/missing', 1, 1), /does not exist in the tree/);
  c.assertIntact();
});

test('blockingAncestor names the nearest existing ancestor that is not a directory', () => {
  const c = canary();
  c.file('etc/hostname', 'box\n');
  c.link('etc/linked', '/etc/hostname');
  c.link('etc/out', c.host);
  const t = new Tree(c.tree);
  assert.equal(t.blockingAncestor('etc/hostname/x/y'), '/etc/hostname');
  assert.equal(t.blockingAncestor('etc/linked/x'), '/etc/hostname', 'links resolved in the tree');
  assert.equal(t.blockingAncestor('etc/new/deeper/file'), undefined, 'missing: can be made');
  assert.equal(t.blockingAncestor('etc/out/canary/x'), undefined, 'the host file is not looked at');
  assert.equal(t.blockingAncestor('etc/hostname'), undefined);
});

test('reads never leave the tree: readdir, readText, exists, stat', () => {
  const c = canary();
  c.link('etc', c.host);
  const t = new Tree(c.tree);
  assert.deepEqual(t.readdir('etc'), []);
  assert.equal(t.exists('etc/passwd'), false);
  assert.equal(t.stat('etc/passwd'), undefined);
  assert.throws(() => t.readText('etc/passwd'), /\/etc\/passwd: does not exist in the tree/);
});

test('writing where a device, fifo or directory is refused rather than opened', () => {
  const c = canary();
  const t = new Tree(c.tree);
  t.mkdir('run');
  assert.equal(spawnSync('mkfifo', [join(c.tree, 'run/fifo')]).status, 0);
  assert.throws(() => t.write('run/fifo', 'x'), /not a regular file/);
  assert.throws(() => t.write('run', 'x'), /not a regular file/);
});

test('copyTo copies links verbatim and never follows them', () => {
  const c = canary();
  c.link('etc/skel/.ssh', c.host);
  c.file('etc/skel/.profile', 'profile\n');
  const src = new Tree(c.tree);
  const dest = new Tree(join(c.tree, 'var'));
  src.copyTo('etc/skel', dest, 'home/u');
  assert.equal(readlinkSync(join(c.tree, 'var/home/u/.ssh')), c.host);
  assert.equal(readFileSync(join(c.tree, 'var/home/u/.profile'), 'utf8'), 'profile\n');
  c.assertIntact();
});

test('walkDir: depth first, names sorted, links not followed, a non-UTF-8 directory not entered', () => {
  const root = scratchDir('walk');
  try {
    mkdirSync(join(root, 'b/c'), { recursive: true });
    writeFileSync(join(root, 'b/c/f'), 'x');
    writeFileSync(join(root, 'a'), 'y');
    symlinkSync('/etc', join(root, 'b/link'));
    const bad = Buffer.concat([Buffer.from(`${root}/`), Buffer.from([0xff])]);
    mkdirSync(bad);
    writeFileSync(Buffer.concat([bad, Buffer.from('/inside')]), 'z');
    const entries = walkDir(root);
    assert.deepEqual(
      entries.map((e) => e.path),
      ['a', 'b', 'b/c', 'b/c/f', 'b/link', '\u00ff'],
    );
    assert.ok(entries.find((e) => e.path === 'b/link')?.stats.isSymbolicLink());
    assert.deepEqual(
      entries.filter((e) => !e.utf8).map((e) => e.path),
      ['\u00ff'],
    );
    assert.deepEqual(
      new Tree(root).walk('b').map((e) => e.path),
      ['c', 'c/f', 'link'],
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
