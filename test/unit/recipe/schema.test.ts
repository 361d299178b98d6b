import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSize, RecipeSchema } from '../../../src/recipe/schema.ts';

test('sizes with units', () => {
  assert.equal(parseSize('4G'), 4 * 2 ** 30);
  assert.equal(parseSize('512MiB'), 512 * 2 ** 20);
  assert.equal(parseSize(1000), 1000);
  assert.throws(() => parseSize('lots'));
});

// Confinement: hostile input must not touch the build host. Canary files are planted outside
// the tree (test/helpers/canary.ts) and must be as planted afterwards.

test('recipe values cannot add lines to authorized_keys, shadow, passwd or the BLS entry', () => {
  const bad = (over: object) => RecipeSchema.safeParse({ name: 'x', ...over }).success;
  const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBxxx';
  assert.equal(bad({ users: [{ name: 'u', 'ssh-keys': [key] }] }), true);
  assert.equal(
    bad({ users: [{ name: 'u', 'ssh-keys': [`${key}\ncommand="rm -rf /" ${key}`] }] }),
    false,
  );
  assert.equal(bad({ users: [{ name: 'u', password: 'a\n$6$x$y' }] }), false);
  assert.equal(bad({ users: [{ name: 'u', shell: '/bin/sh:0:0' }] }), false);
  assert.equal(bad({ kernel: { append: ['quiet\ninitrd /evil'] } }), false);
  assert.equal(bad({ files: [{ path: '/etc/../root/x', content: '' }] }), false);
  assert.equal(bad({ update: { url: 'http://a/\nurl=http://evil/' } }), false);
});

test('sizes take every unit bootc-image-builder takes, with or without a space', () => {
  assert.equal(parseSize('12 GB'), 12e9);
  assert.equal(parseSize('12GB'), 12e9);
  assert.equal(parseSize('12GiB'), 12 * 2 ** 30);
  assert.equal(parseSize('500 kB'), 500e3);
  assert.equal(parseSize('500KB'), 500e3);
  assert.equal(parseSize('3 MB'), 3e6);
  assert.equal(parseSize('1 TB'), 1e12);
  assert.equal(parseSize('2 KiB'), 2048);
  assert.equal(parseSize('2 MiB'), 2 * 2 ** 20);
  assert.equal(parseSize('1 TiB'), 2 ** 40);
  assert.equal(parseSize('4G'), 4 * 2 ** 30, 'our own binary shorthand stays');
  for (const bad of ['12 Gb', '12 gigabytes', 'GB', '-1 GB'])
    assert.throws(() => parseSize(bad), bad);
  const disk = (size: unknown) => RecipeSchema.safeParse({ name: 'x', disk: { size } }).success;
  assert.equal(disk('12 GB'), true);
  assert.equal(disk('12 TiB'), true);
  assert.equal(disk('12 XB'), false);
});

test('hostnames may be fully qualified; kernel.append takes a list or one command line', () => {
  const host = (hostname: string) => RecipeSchema.safeParse({ name: 'x', hostname }).success;
  assert.equal(host('builder.example.org'), true);
  assert.equal(host('a'), true);
  for (const bad of [
    '-a.example',
    'a..b',
    'a.example.',
    'Not_Valid',
    'a\nb',
    `${'a'.repeat(64)}.org`,
  ])
    assert.equal(host(bad), false, bad);
  const append = (a: unknown) => RecipeSchema.safeParse({ name: 'x', kernel: { append: a } });
  assert.deepEqual(append('quiet  dyndbg="file drivers/usb/* +p" x=1').data?.kernel.append, [
    'quiet',
    'dyndbg="file drivers/usb/* +p"',
    'x=1',
  ]);
  assert.deepEqual(append(['quiet', 'splash']).data?.kernel.append, ['quiet', 'splash']);
  assert.deepEqual(append('').data?.kernel.append, []);
  assert.equal(append('a="open').success, false);
  assert.equal(append('quiet\ninitrd /evil').success, false, 'no line break, even between args');
});

test('installer.device is auto or a path below /dev; wipe defaults to false', () => {
  const device = (d: unknown) => RecipeSchema.safeParse({ name: 'x', installer: { device: d } });
  for (const ok of ['auto', '/dev/sda', '/dev/nvme0n1', '/dev/disk/by-path/pci-0000:00:1f.2-ata-1'])
    assert.ok(device(ok).success, ok);
  for (const bad of ['sda', '/etc/passwd', '/dev/../root/disk.img', '/dev/sda\n', '/dev/sd a', ''])
    assert.ok(!device(bad).success, JSON.stringify(bad));
  const parsed = RecipeSchema.parse({ name: 'x', installer: {} });
  assert.deepEqual(parsed.installer, { device: 'auto', wipe: false });
  assert.equal(RecipeSchema.parse({ name: 'x' }).installer, undefined);
});

test('services: a name without a type is a .service; templates and instances are names too', () => {
  const r = RecipeSchema.parse({
    name: 'x',
    services: { enabled: ['sshd', 'getty@tty2', 'foo.socket', 'getty@.service'] },
  });
  assert.deepEqual(r.services.enabled, [
    'sshd.service',
    'getty@tty2.service',
    'foo.socket',
    'getty@.service',
  ]);
  assert.deepEqual(r.services.masked, []);
  const ok = (services: object) => RecipeSchema.safeParse({ name: 'x', services }).success;
  assert.equal(ok({ enabled: ['../../etc/shadow'] }), false);
  assert.equal(ok({ enabled: ['a/b.service'] }), false);
  assert.equal(ok({ disabled: ['a@b@c.service'] }), false);
  assert.equal(ok({ enabled: ['a.service'], disabled: ['a'] }), false, 'listed twice');
});

test('owners, ids and GECOS values cannot add a field or a line to passwd or group', () => {
  const ok = (over: object) => RecipeSchema.safeParse({ name: 'x', ...over }).success;
  const file = { path: '/etc/a', content: '' };
  assert.equal(ok({ files: [{ ...file, user: 'alice', group: 0 }] }), true);
  assert.equal(ok({ files: [{ ...file, user: 'root:x' }] }), false);
  assert.equal(ok({ files: [{ ...file, group: -1 }] }), false);
  assert.equal(ok({ files: [{ ...file, user: 1.5 }] }), false);
  assert.equal(ok({ users: [{ name: 'a', description: 'A, Room 1' }] }), true);
  assert.equal(ok({ users: [{ name: 'a', description: 'a:b' }] }), false);
  assert.equal(ok({ users: [{ name: 'a', description: 'a\rb' }] }), false);
  assert.equal(ok({ users: [{ name: 'a', home: '/home/a/../../etc' }] }), false);
  assert.equal(ok({ users: [{ name: 'a', home: '/home/./a' }] }), false);
  assert.equal(ok({ users: [{ name: 'a', home: '/home/a:0' }] }), false);
  assert.equal(ok({ users: [{ name: 'a', uid: 999 }] }), false);
  assert.equal(ok({ users: [{ name: 'a', gid: 100 }] }), true, 'an existing group as primary');
  assert.equal(ok({ groups: [{ name: 'g', gid: 60000 }] }), false);
  assert.equal(ok({ directories: [{ path: '/etc' }] }), false, 'not /etc itself');
  assert.equal(ok({ directories: [{ path: '/etc/./x' }] }), false);
});
