import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isoEarlyCfg, isoGrubCfg, xorrisoArgv } from '../../../src/image/iso.ts';

const menu = {
  label: 'PARTICLE_OS_INSTALL',
  title: 'debian-minimal (13.20261130.0)',
  kernel: '/boot/vmlinuz',
  initrd: '/boot/initrd.img',
  kargs: ['console=tty0', 'console=ttyS0,115200'],
  timeoutSeconds: 3,
};

test('ISO menu: install by default, a live-only entry, dmsquash-live finds the medium by label', () => {
  const cfg = isoGrubCfg(menu);
  assert.match(cfg, /^serial --unit=0 --speed=115200$/m);
  assert.match(cfg, /^set default=0$/m);
  assert.match(
    cfg,
    /menuentry "Install debian-minimal \(13\.20261130\.0\)" \{\n {2}linux \/boot\/vmlinuz root=live:CDLABEL=PARTICLE_OS_INSTALL rd\.live\.image rd\.live\.overlay\.overlayfs=1 console=tty0 console=ttyS0,115200\n {2}initrd \/boot\/initrd\.img\n\}/,
  );
  assert.match(cfg, /live system only \(no install\)" \{\n {2}linux .* particle-os\.install=0\n/);
});

test('ISO menu: a label, karg or title cannot break out of its line or quotes', () => {
  assert.throws(() => isoGrubCfg({ ...menu, label: 'a b' }), /A-Z, 0-9 and _/);
  assert.throws(() => isoGrubCfg({ ...menu, kargs: ['x; reboot'] }), /not a plain word/);
  assert.throws(() => isoGrubCfg({ ...menu, kargs: ['a\nmenuentry'] }), /not a plain word/);
  // The title's version comes from an image label: quotes, $, braces and newlines are dropped.
  const evil = isoGrubCfg({ ...menu, title: 'evil" { $x \\\nmenuentry "x" {\n  linux /y\n}' });
  assert.match(evil, /menuentry "Install evil {2}x menuentry x {3}linux y" \{/);
  assert.equal(evil.match(/^menuentry /gm)?.length, 2, 'no third entry smuggled in');
});

test('the UEFI image finds the medium by its marker file', () => {
  assert.equal(
    isoEarlyCfg('/particle-os/medium-0123'),
    'search --no-floppy --set=root --file /particle-os/medium-0123\nset prefix=($root)/boot/grub\n',
  );
});

test('xorriso: El Torito BIOS and EFI entries, GRUB hybrid MBR, the ESP as GPT partition 2', () => {
  const a = xorrisoArgv(
    { staging: '/w/iso', out: '/w/out.iso', label: 'PARTICLE_OS_INSTALL', grubModules: '/c/grub' },
    '/w/efi.img',
  );
  const s = a.join(' ');
  assert.deepEqual(a.slice(0, 3), ['xorriso', '-as', 'mkisofs']);
  assert.match(s, /-volid PARTICLE_OS_INSTALL -output \/w\/out\.iso/);
  assert.match(s, /--grub2-mbr \/c\/grub\/i386-pc\/boot_hybrid\.img/);
  assert.match(s, /-append_partition 2 0xef \/w\/efi\.img -appended_part_as_gpt/);
  assert.match(
    s,
    /-eltorito-boot boot\/grub\/bios\.img -no-emul-boot -boot-load-size 4 -boot-info-table --grub2-boot-info/,
  );
  assert.match(s, /-eltorito-alt-boot -e --interval:appended_partition_2:all:: -no-emul-boot/);
  assert.equal(a.at(-1), '/w/iso');
});
