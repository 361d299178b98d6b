/**
 * A hybrid ISO 9660 image that boots with BIOS and UEFI from a DVD or, written with `dd`, a USB
 * stick, like grub-mkrescue's and Debian live's, but loop-free and from GRUB 2.14 (the modules
 * the disks use, grub.ts):
 *  - BIOS from a DVD: El Torito entry `boot/grub/bios.img` (GRUB's i386-pc-eltorito image);
 *  - BIOS from a stick: GRUB's boot_hybrid.img as the MBR boot code, which loads that same
 *    image through its boot-info table (`--grub2-boot-info`);
 *  - UEFI (either): an ESP (FAT, made by mkfs.vfat -C and mtools, no mount) appended as GPT
 *    partition 2 and named by the El Torito EFI entry, holding EFI/BOOT/BOOTX64.EFI.
 * Both GRUBs find the medium by a marker file unique to the build and read boot/grub/grub.cfg
 * from it. xorriso writes the ISO from a staged directory.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StepContext } from '../core/context.ts';
import { run } from '../core/run.ts';
import { installModules } from './grub.ts';

/** What the BIOS image needs before it can read grub.cfg from the ISO. */
const BIOS_MODULES = ['biosdisk', 'iso9660', 'normal', 'search', 'configfile'];
/** The UEFI image: the same, also for a stick (GPT, FAT) and searching by file. */
const EFI_MODULES = [
  'iso9660',
  'part_gpt',
  'part_msdos',
  'fat',
  'search',
  'search_fs_file',
  'configfile',
  'normal',
];

/** ISO 9660 volume labels: at most 32 d-characters (A-Z, 0-9, _). */
export const ISO_LABEL_RE = /^[A-Z0-9_]{1,32}$/;

export interface IsoMenu {
  /** The volume label dracut finds the medium by (root=live:CDLABEL=…). */
  label: string;
  /** Shown in the menu, e.g. the image's name and version. */
  title: string;
  /** Kernel and initramfs paths on the ISO (absolute, e.g. /boot/vmlinuz). */
  kernel: string;
  initrd: string;
  /** Kernel arguments after root= and the live options. */
  kargs: string[];
  timeoutSeconds: number;
}

/** One token of a GRUB command line: only characters GRUB's lexer takes literally. */
function grubWord(s: string, what: string): string {
  if (!/^[A-Za-z0-9_.,:=/+@%-]+$/.test(s))
    throw new Error(`${what} ${JSON.stringify(s)}: not a plain word`);
  return s;
}

/**
 * boot/grub/grub.cfg of the ISO: on the serial line and the screen, an "install" entry (the
 * default) and a "live system only" entry that skips the installer (particle-os.install=0).
 */
export function isoGrubCfg(m: IsoMenu): string {
  if (!ISO_LABEL_RE.test(m.label)) throw new Error(`ISO label ${m.label}: A-Z, 0-9 and _ only`);
  const args = [
    `root=live:CDLABEL=${m.label}`,
    'rd.live.image',
    // The writable layer: overlayfs on a tmpfs (dracut's default is a device-mapper snapshot).
    'rd.live.overlay.overlayfs=1',
    ...m.kargs.map((a) => grubWord(a, 'kernel argument')),
  ].join(' ');
  // The version part comes from the image's labels (hostile input): only characters that can
  // neither end the quoted title nor start another line or a GRUB substitution stay.
  const title = m.title.replace(/[^A-Za-z0-9 ._:+(),@-]/g, '');
  const entry = (name: string, extra: string) => [
    `menuentry "${name}" {`,
    `  linux ${grubWord(m.kernel, 'kernel')} ${args}${extra}`,
    `  initrd ${grubWord(m.initrd, 'initrd')}`,
    '}',
  ];
  return [
    '# Written by particle-os build --type iso.',
    'serial --unit=0 --speed=115200',
    'terminal_input console serial',
    'terminal_output console serial',
    'set default=0',
    `set timeout=${m.timeoutSeconds}`,
    ...entry(`Install ${title}`, ''),
    ...entry(`${title}: live system only (no install)`, ' particle-os.install=0'),
    '',
  ].join('\n');
}

/** Built into the UEFI image: find this medium by its marker file, then read grub.cfg there. */
export function isoEarlyCfg(marker: string): string {
  return [
    `search --no-floppy --set=root --file ${grubWord(marker, 'marker')}`,
    'set prefix=($root)/boot/grub',
    '',
  ].join('\n');
}

export interface IsoInput {
  /** The staged ISO contents; boot/grub/ is added here. */
  staging: string;
  out: string;
  label: string;
  /** A file under staging that only this build has (isoEarlyCfg). */
  marker: string;
  /** The GRUB module directory (grubModules). */
  grubModules: string;
  work: string;
  /** SOURCE_DATE_EPOCH: volume dates and file times of the ISO. */
  epoch?: number;
}

/** ESP size for BOOTX64.EFI (~3 MiB with these modules) and room to spare. */
const ESP_KIB = 8 * 1024;

export async function assembleIso(sc: StepContext, i: IsoInput): Promise<void> {
  const grub = join(i.staging, 'boot', 'grub');
  installModules(i.grubModules, join(i.staging, 'boot'));
  await run(sc, [
    'grub-mkimage',
    '-O',
    'i386-pc-eltorito',
    '-d',
    join(i.grubModules, 'i386-pc'),
    '-o',
    join(grub, 'bios.img'),
    '-p',
    '/boot/grub',
    ...BIOS_MODULES,
  ]);
  const early = join(i.work, 'iso-early.cfg');
  writeFileSync(early, isoEarlyCfg(i.marker));
  const efi = join(i.work, 'BOOTX64.EFI');
  await run(sc, [
    'grub-mkimage',
    '-O',
    'x86_64-efi',
    '-d',
    join(i.grubModules, 'x86_64-efi'),
    '-o',
    efi,
    '-c',
    early,
    '-p',
    '/boot/grub',
    ...EFI_MODULES,
  ]);
  const esp = join(i.work, 'efi.img');
  await run(sc, ['mkfs.vfat', '-C', '-n', 'ISOEFI', esp, String(ESP_KIB)]);
  for (const d of ['::/EFI', '::/EFI/BOOT']) await run(sc, ['mmd', '-i', esp, d]);
  await run(sc, ['mcopy', '-i', esp, efi, '::/EFI/BOOT/BOOTX64.EFI']);
  await run(sc, xorrisoArgv(i, esp), {
    env: i.epoch === undefined ? {} : { SOURCE_DATE_EPOCH: String(i.epoch) },
  });
}

/** xorriso's mkisofs emulation: Rock Ridge + Joliet, El Torito BIOS and EFI, hybrid MBR/GPT. */
export function xorrisoArgv(
  i: Pick<IsoInput, 'staging' | 'out' | 'label' | 'grubModules'>,
  esp: string,
): string[] {
  return [
    'xorriso',
    '-as',
    'mkisofs',
    '-iso-level',
    '3',
    '-rational-rock',
    '-joliet',
    '-joliet-long',
    '-volid',
    i.label,
    '-output',
    i.out,
    // BIOS from a stick: GRUB's hybrid MBR code, patched with where bios.img is.
    '--grub2-mbr',
    join(i.grubModules, 'i386-pc', 'boot_hybrid.img'),
    '-partition_offset',
    '16',
    '--mbr-force-bootable',
    // UEFI: the ESP as partition 2 of a GPT, also the El Torito EFI boot image.
    '-append_partition',
    '2',
    '0xef',
    esp,
    '-appended_part_as_gpt',
    '-eltorito-catalog',
    'boot/grub/boot.cat',
    '-eltorito-boot',
    'boot/grub/bios.img',
    '-no-emul-boot',
    '-boot-load-size',
    '4',
    '-boot-info-table',
    '--grub2-boot-info',
    '-eltorito-alt-boot',
    '-e',
    '--interval:appended_partition_2:all::',
    '-no-emul-boot',
    i.staging,
  ];
}
