import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { skeletonSources } from '../../src/compose/apt-skeleton.ts';
import { inputHash, treefileDigest } from '../../src/compose/input-hash.ts';
import { type LockedPackage, readLockfile, writeLockfile } from '../../src/compose/lockfile.ts';
import {
  diffPackages,
  gvariantStrings,
  parseGvariantStrings,
  parsePackageLine,
} from '../../src/compose/package-list.ts';
import { lockRepo } from '../../src/compose/repo-lock.ts';
import { sysusersLines } from '../../src/compose/sysusers.ts';
import { UsageError } from '../../src/core/errors.ts';
import { loadTreefile } from '../../src/treefile/load.ts';
import { testContext } from '../helpers/context.ts';

const pkg = (name: string, version: string, sha = 'a'.repeat(64)): LockedPackage => ({
  name,
  version,
  architecture: 'amd64',
  sha256: sha,
  size: 1,
});

test('input hash: order-free over packages; any version or checksum change changes it', () => {
  const a = inputHash('t', [pkg('bash', '5.2'), pkg('zsh', '5.9')]);
  assert.equal(a, inputHash('t', [pkg('zsh', '5.9'), pkg('bash', '5.2')]));
  assert.notEqual(a, inputHash('t', [pkg('bash', '5.3'), pkg('zsh', '5.9')]));
  assert.notEqual(a, inputHash('t', [pkg('bash', '5.2', 'b'.repeat(64)), pkg('zsh', '5.9')]));
  assert.notEqual(a, inputHash('u', [pkg('bash', '5.2'), pkg('zsh', '5.9')]));
});

test('treefile digest: follows content (also of add-files), not where the files live', () => {
  const mk = (dir: string, motd: string) => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'motd'), motd);
    writeFileSync(
      join(dir, 't.yaml'),
      'ref: test/x\nbase: debian:trixie\npackages: [tree]\nadd-files:\n  - [motd, /etc/motd]\n',
    );
    return treefileDigest(loadTreefile(join(dir, 't.yaml')));
  };
  const root = mkdtempSync(join(tmpdir(), 'digest-'));
  const one = mk(join(root, 'one'), 'hello\n');
  assert.equal(one, mk(join(root, 'two'), 'hello\n'), 'same content elsewhere: same digest');
  assert.notEqual(one, mk(join(root, 'three'), 'changed\n'), 'add-file content counts');
});

test('package lists round-trip through GVariant text; diff sorts by Debian version order', async () => {
  const lines = ['bash 5.2.37-2 amd64', "weird'name 1:2.0~rc1 all"];
  const text = gvariantStrings(lines);
  assert.match(text, /^@as \[/);
  assert.deepEqual(parseGvariantStrings(text.replace(/^@as /, '')), lines);
  const from = ['a 1.0 amd64', 'b 2.0 amd64', 'c 3.0 amd64'].map(parsePackageLine);
  const to = ['b 2.1 amd64', 'c 2.9 amd64', 'd 1 all'].map(parsePackageLine);
  const newer = async (x: string, y: string) => x.localeCompare(y, 'en', { numeric: true }) > 0;
  const d = await diffPackages(from, to, newer);
  assert.deepEqual(
    d.added.map((p) => p.name),
    ['d'],
  );
  assert.deepEqual(
    d.removed.map((p) => p.name),
    ['a'],
  );
  assert.deepEqual(d.upgraded, [{ name: 'b', from: '2.0', to: '2.1' }]);
  assert.deepEqual(d.downgraded, [{ name: 'c', from: '3.0', to: '2.9' }]);
});

test('lockfiles: written atomically, read back, bad ones are usage errors naming the field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lock-'));
  const f = join(dir, 'x.lock.json');
  const lock = {
    lockfileVersion: 1 as const,
    ref: 'a/b',
    suite: 'trixie',
    packages: [pkg('bash', '5.2')],
  };
  writeLockfile(f, lock, lock.packages);
  assert.deepEqual(readLockfile(f), lock);
  writeFileSync(f, JSON.stringify({ ...lock, packages: [{ ...pkg('bash', '5.2'), sha256: 'x' }] }));
  assert.throws(
    () => readLockfile(f),
    (e: unknown) => e instanceof UsageError && /packages\.0\.sha256/.test(e.message),
  );
  assert.throws(() => readLockfile(join(dir, 'missing.json')), /cannot read lockfile/);
});

test('apt skeleton sources: one-line entries with or without options', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skel-'));
  mkdirSync(join(dir, 'etc/apt/sources.list.d'), { recursive: true });
  writeFileSync(
    join(dir, 'etc/apt/sources.list'),
    'deb http://archive.example/debian trixie main\n# comment\ndeb [signed-by=/k.gpg] http://archive.example/debian/ trixie-updates main\n',
  );
  writeFileSync(
    join(dir, 'etc/apt/sources.list.d/x.list'),
    'deb http://other.example/d sid main\n',
  );
  assert.deepEqual(skeletonSources(dir), [
    { uri: 'http://archive.example/debian', suite: 'trixie' },
    { uri: 'http://archive.example/debian', suite: 'trixie-updates' },
    { uri: 'http://other.example/d', suite: 'sid' },
  ]);
});

test('repo lock: a second compose waits for the first; a dead owner’s lock is taken over', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'repolock-'));
  const repo = join(dir, 'repo');
  const first = testContext();
  await lockRepo(first, repo);
  assert.equal(readFileSync(`${repo}.lock`, 'utf8'), String(process.pid));
  // Same pid owns it, so the second waiter sees a live owner and waits until release.
  const second = testContext();
  let acquired = false;
  const waiting = lockRepo(second, repo).then(() => {
    acquired = true;
  });
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(acquired, false, 'still waiting while the first holds the lock');
  assert.ok(second.events.some((e) => e.startsWith('info waiting for the compose')));
  await first.scope.close();
  await waiting;
  assert.equal(acquired, true);
  await second.scope.close();
  assert.equal(existsSync(`${repo}.lock`), false, 'released');
  // Two composes in turn in one process (upgrade-test does v1 then v2): release, then relock.
  const same = testContext();
  const release = await lockRepo(same, repo);
  await release();
  await (await lockRepo(same, repo))();
  await same.scope.close();
  writeFileSync(`${repo}.lock`, '999999999');
  const third = testContext();
  await lockRepo(third, repo);
  assert.equal(readFileSync(`${repo}.lock`, 'utf8'), String(process.pid), 'stale lock taken over');
  await third.scope.close();
});

test('sysusers.d: every system user and group with its ids, groups first; regular users left out', () => {
  const passwd = [
    'root:x:0:0:root:/root:/bin/bash',
    'systemd-network:x:998:998:systemd Network Management:/:/usr/sbin/nologin',
    'tux:x:1000:1000:Tux:/home/tux:/bin/bash',
    'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
  ].join('\n');
  const group = ['root:x:0:', 'systemd-network:x:998:', 'tux:x:1000:', 'nogroup:x:65534:'].join(
    '\n',
  );
  assert.deepEqual(sysusersLines(passwd, group), [
    'g root 0',
    'g systemd-network 998',
    'g nogroup 65534',
    'u root 0:0 "root" /root /bin/bash',
    'u systemd-network 998:998 "systemd Network Management" / /usr/sbin/nologin',
    'u nobody 65534:65534 "nobody" /nonexistent /usr/sbin/nologin',
  ]);
});
