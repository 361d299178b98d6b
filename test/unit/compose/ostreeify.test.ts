import assert from 'node:assert/strict';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ostreeify } from '../../../src/compose/ostreeify.ts';
import { Tree } from '../../../src/core/tree.ts';
import { canary } from '../../helpers/canary.ts';
import { scratchDir } from '../../helpers/scratch.ts';

const KVER = '6.12.0-test-amd64';

function fakeRootfs(): string {
  const root = scratchDir('ostreeify');
  const files: Record<string, string> = {
    [`boot/vmlinuz-${KVER}`]: 'kernel',
    [`boot/config-${KVER}`]: 'config',
    [`usr/lib/modules/${KVER}/initramfs.img`]: 'initramfs',
    'var/lib/dpkg/status': 'Package: base-files\n',
    'var/lib/apt/lists/some_Packages': 'x',
    'var/log/dpkg.log': 'log',
    'var/cache/apt/archives/x.deb': 'deb',
    'var/lib/misc/state': 'keep me',
    'etc/machine-id': '0123456789abcdef0123456789abcdef\n',
    'etc/hostname': 'buildhost\n',
    'etc/resolv.conf': 'nameserver 10.0.0.1\n',
    'etc/ssh/ssh_host_ed25519_key': 'secret',
    'etc/ssh/sshd_config': 'config',
    'root/.bashrc': 'rc',
    'usr/local/bin/.keep': '',
    'dev/null': '',
  };
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(join(root, p, '..'), { recursive: true });
    writeFileSync(join(root, p), content);
  }
  for (const d of ['home', 'opt', 'srv', 'mnt', 'media', 'proc', 'sys', 'run', 'tmp'])
    mkdirSync(join(root, d), { recursive: true });
  symlinkSync(`boot/vmlinuz-${KVER}`, join(root, 'vmlinuz'));
  symlinkSync('/run', join(root, 'var/run'));
  return root;
}

test('ostreeify produces the tree an OSTree commit must hold', () => {
  const root = fakeRootfs();
  const { kernelVersion } = ostreeify(root);
  assert.equal(kernelVersion, KVER);
  const mod = join(root, 'usr/lib/modules', KVER);
  assert.equal(readFileSync(join(mod, 'vmlinuz'), 'utf8'), 'kernel');
  assert.equal(readFileSync(join(mod, 'config'), 'utf8'), 'config');
  assert.deepEqual(readdirSync(join(root, 'boot')), [], '/boot is empty');
  assert.ok(!existsSync(join(root, 'vmlinuz')), 'top-level kernel link removed');
  // /etc moved to /usr/etc, host leftovers and secrets gone, machine-id empty
  assert.ok(!existsSync(join(root, 'etc')));
  assert.equal(readFileSync(join(root, 'usr/etc/machine-id'), 'utf8'), '');
  assert.ok(!existsSync(join(root, 'usr/etc/hostname')));
  assert.ok(!existsSync(join(root, 'usr/etc/resolv.conf')));
  assert.ok(!existsSync(join(root, 'usr/etc/ssh/ssh_host_ed25519_key')));
  assert.ok(existsSync(join(root, 'usr/etc/ssh/sshd_config')));
  // dpkg database under /usr
  assert.match(readFileSync(join(root, 'usr/lib/sysimage/dpkg/status'), 'utf8'), /base-files/);
  // /var empty, recreated by tmpfiles; files preserved in the factory
  assert.deepEqual(readdirSync(join(root, 'var')), []);
  const conf = readFileSync(join(root, 'usr/lib/tmpfiles.d/particle-os-var.conf'), 'utf8');
  assert.match(conf, /^L \/var\/lib\/dpkg - - - - \.\.\/\.\.\/usr\/lib\/sysimage\/dpkg$/m);
  assert.match(
    conf,
    /^C \/var\/lib\/misc\/state 0644 \d+ \d+ - \/usr\/share\/factory\/var\/lib\/misc\/state$/m,
  );
  assert.match(conf, /^d \/var\/roothome 0\d{3} /m);
  assert.match(conf, /^L \/var\/run - - - - \/run$/m);
  assert.doesNotMatch(conf, /dpkg\.log|Packages|x\.deb/, 'logs, apt lists and caches are dropped');
  assert.equal(readFileSync(join(root, 'usr/share/factory/var/lib/misc/state'), 'utf8'), 'keep me');
  assert.equal(readFileSync(join(root, 'usr/share/factory/var/roothome/.bashrc'), 'utf8'), 'rc');
  // persistent dirs are links into /var, /ostree points into /sysroot
  const links: Record<string, string> = {
    home: 'var/home',
    root: 'var/roothome',
    opt: 'var/opt',
    srv: 'var/srv',
    mnt: 'var/mnt',
    media: 'run/media',
    'usr/local': '../var/usrlocal',
    ostree: 'sysroot/ostree',
  };
  for (const [p, target] of Object.entries(links))
    assert.equal(readlinkSync(join(root, p)), target, p);
  assert.ok(lstatSync(join(root, 'sysroot')).isDirectory());
  assert.deepEqual(readdirSync(join(root, 'dev')), [], '/dev emptied');
  assert.equal(lstatSync(join(root, 'tmp')).mode & 0o7777, 0o1777);
});

test('ostreeify refuses a tree with no kernel or two kernels', () => {
  const root = fakeRootfs();
  mkdirSync(join(root, 'usr/lib/modules/6.1.0-other'));
  assert.throws(() => ostreeify(root), /exactly one kernel/);
});

// Confinement: hostile input must not touch the build host. Canary files are planted outside
// the tree (test/helpers/canary.ts) and must be as planted afterwards.

test('ostreeify: links to the host in var, boot, tmp, etc/ssh and /etc files change nothing there', () => {
  const c = canary();
  const kver = '6.12.0-test-amd64';
  c.file(`usr/lib/modules/${kver}/vmlinuz`, 'kernel');
  c.file(`usr/lib/modules/${kver}/initramfs.img`, 'initramfs');
  c.file('var/lib/dpkg/status', 'Package: base-files\n');
  c.file('etc/os-release', 'ID=debian\n');
  c.link('var/cache', c.host);
  c.link('var/log', c.host);
  c.link('var/lib/apt/lists', c.host);
  c.link('boot', c.host);
  c.link('run', c.host);
  c.link('etc/ssh', c.host);
  c.link('etc/passwd', `${c.host}/passwd`);
  c.link('etc/group', `${c.host}/passwd`);
  c.link('etc/hostname', `${c.host}/canary`);
  c.link('home', c.host);
  c.link('usr/share/factory', c.host);
  ostreeify(c.tree);
  c.assertIntact();
  const t = new Tree(c.tree);
  assert.ok(t.isFile(`usr/lib/modules/${kver}/vmlinuz`));
  assert.ok(
    !t.exists('usr/lib/sysusers.d/00-particle-os-image.conf'),
    'the host passwd was not read',
  );
});

test('ostreeify keeps systemd-resolved’s /etc/resolv.conf link into /run, drops a link elsewhere', () => {
  for (const [target, kept] of [
    ['../run/systemd/resolve/stub-resolv.conf', true],
    ['/run/systemd/resolve/resolv.conf', true],
    ['/etc/host-resolv.conf', false],
  ] as const) {
    const root = fakeRootfs();
    rmSync(join(root, 'etc/resolv.conf'));
    symlinkSync(target, join(root, 'etc/resolv.conf'));
    ostreeify(root);
    const link = join(root, 'usr/etc/resolv.conf');
    assert.equal(existsSync(link) || isLink(link), kept, `${target}: kept=${kept}`);
    if (kept) assert.equal(readlinkSync(link), target);
    rmSync(root, { recursive: true, force: true });
  }
});

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

test('a tree with sshd gets a unit that makes the host keys the image does not carry', () => {
  const root = fakeRootfs();
  mkdirSync(join(root, 'usr/sbin'), { recursive: true });
  writeFileSync(join(root, 'usr/sbin/sshd'), '');
  ostreeify(root);
  assert.ok(!existsSync(join(root, 'usr/etc/ssh/ssh_host_ed25519_key')), 'host key removed');
  const unit = readFileSync(
    join(root, 'usr/lib/systemd/system/particle-os-ssh-host-keys.service'),
    'utf8',
  );
  assert.match(unit, /^ExecStart=\/usr\/bin\/ssh-keygen -A$/m);
  assert.match(unit, /^Before=ssh\.service$/m);
  const dropin = readFileSync(
    join(root, 'usr/lib/systemd/system/ssh.service.d/particle-os-host-keys.conf'),
    'utf8',
  );
  assert.match(dropin, /^Wants=particle-os-ssh-host-keys\.service$/m);
  assert.match(dropin, /^After=particle-os-ssh-host-keys\.service$/m);
});

test('a tree without sshd gets no host-key unit', () => {
  const root = fakeRootfs();
  ostreeify(root);
  assert.ok(!existsSync(join(root, 'usr/lib/systemd/system/particle-os-ssh-host-keys.service')));
});
