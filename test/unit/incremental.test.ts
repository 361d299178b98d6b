import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { inRootArgv } from '../../src/compose/chroot.ts';
import { debName, initramfsChangeReason } from '../../src/compose/incremental.ts';
import type { LockedPackage } from '../../src/compose/lockfile.ts';
import { parsePackageLine } from '../../src/compose/package-list.ts';
import { packagesToAdd, treeCacheDir } from '../../src/compose/tree-cache.ts';
import { loadTreefile } from '../../src/treefile/load.ts';

const locked = (name: string, version: string, architecture = 'amd64'): LockedPackage => ({
  name,
  version,
  architecture,
  sha256: 'b'.repeat(64),
  size: 1,
});
const cached = ['bash 5.2 amd64', 'tzdata 2025a all'].map(parsePackageLine);

test('incremental: a superset at the same versions adds exactly the new packages', () => {
  const add = packagesToAdd(cached, [
    locked('bash', '5.2'),
    locked('libpcap0.8t64', '1.10'),
    locked('tcpdump', '4.99'),
    locked('tzdata', '2025a', 'all'),
  ]);
  assert.deepEqual(
    add?.map((p) => p.name),
    ['libpcap0.8t64', 'tcpdump'],
  );
  assert.deepEqual(
    packagesToAdd(cached, [locked('bash', '5.2'), locked('tzdata', '2025a', 'all')]),
    [],
  );
});

test('incremental: an upgrade, a removal or another architecture needs a full bootstrap', () => {
  const tz = locked('tzdata', '2025a', 'all');
  assert.equal(packagesToAdd(cached, [locked('bash', '5.3'), tz]), undefined, 'upgrade');
  assert.equal(packagesToAdd(cached, [tz, locked('tcpdump', '4.99')]), undefined, 'removal');
  assert.equal(
    packagesToAdd(cached, [locked('bash', '5.2', 'i386'), tz]),
    undefined,
    'architecture',
  );
});

test('incremental: .deb names as apt stores them (epoch colon escaped)', () => {
  assert.equal(debName(locked('bash', '5.2.37-2')), 'bash_5.2.37-2_amd64.deb');
  assert.equal(debName(locked('libc6', '1:2.41-12', 'amd64')), 'libc6_1%3a2.41-12_amd64.deb');
});

test('tree cache: one entry per ref, a new one when an install setting changes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tree-cache-'));
  const write = (name: string, body: string) => {
    writeFileSync(join(dir, name), body);
    return loadTreefile(join(dir, name));
  };
  const base = 'base: debian:trixie\nostree:\n  ref: debian/13/x86_64/t\npackages: [bash]\n';
  const a = write('a.yaml', base);
  const b = write('b.yaml', `${base.replace('[bash]', '[bash, tcpdump]')}`);
  const c = write('c.yaml', `${base}recommends: true\n`);
  const other = write('d.yaml', base.replace('/t\n', '/u\n'));
  assert.equal(treeCacheDir('/c', a), treeCacheDir('/c', b), 'packages do not change the key');
  assert.notEqual(treeCacheDir('/c', a), treeCacheDir('/c', c), 'recommends does');
  assert.notEqual(treeCacheDir('/c', a), treeCacheDir('/c', other), 'so does the ref');
  assert.match(treeCacheDir('/c', a), /^\/c\/trees\/debian_13_x86_64_t-[0-9a-f]{16}$/);
});

test('in-tree commands: no network unless asked, a fixed environment, the tree as /', () => {
  const root = mkdtempSync(join(tmpdir(), 'root-'));
  mkdirSync(join(root, 'usr'));
  const argv = inRootArgv(root, ['dracut', '--force']);
  assert.equal(argv[0], 'bwrap');
  assert.deepEqual(argv.slice(1, 4), ['--bind', root, '/']);
  assert.ok(argv.includes('--unshare-net'));
  assert.ok(argv.includes('--clearenv'));
  assert.deepEqual(argv.slice(-3), ['--', 'dracut', '--force']);
  const i = argv.indexOf('INITRD');
  assert.equal(argv[i + 1], 'No', 'kernel postinst never builds its own initramfs');
  assert.ok(!inRootArgv(root, ['true'], { network: true }).includes('--unshare-net'));
});

test("initramfs reuse: Debian's trigger or files where dracut looks force a rebuild", () => {
  // Directories dpkg lists on the way (/usr/lib/systemd here) change nothing by themselves.
  const tcpdump = ['/.', '/usr', '/usr/bin', '/usr/bin/tcpdump', '/usr/lib', '/usr/lib/systemd'];
  const quiet =
    'Setting up tcpdump (4.99.5-2) ...\nProcessing triggers for libc-bin (2.41-12) ...\n';
  assert.equal(initramfsChangeReason(quiet, tcpdump), undefined);
  assert.match(
    initramfsChangeReason(`${quiet}Processing triggers for dracut (106-6) ...\n`, tcpdump) ?? '',
    /update-initramfs trigger/,
  );
  for (const f of [
    '/usr/lib/dracut/modules.d/90crypt/module-setup.sh',
    '/lib/udev/rules.d/60-foo.rules',
    '/etc/modprobe.d/foo.conf',
    '/usr/lib/systemd/system/foo.service',
    '/etc/dracut.conf.d/10-foo.conf',
    '/usr/lib/firmware/foo.bin',
  ])
    assert.equal(initramfsChangeReason(quiet, [...tcpdump, f]), `an added package installs ${f}`);
});
