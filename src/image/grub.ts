/**
 * GRUB for BIOS and UEFI with a boot menu that follows the OS: the grub.cfg on /boot never
 * changes and only runs `blscfg`, which reads the Boot Loader Specification entries ostree
 * writes for each deployment (new default first, previous one as rollback). `blscfg` exists in
 * GRUB 2.14 (Debian forky, module blsuki); Debian trixie's 2.12 has none, so the bootloader
 * modules come from forky. They live only on /boot and the ESP, outside the OS tree, like
 * bootupd-managed bootloaders on Fedora.
 */
import { cpSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { StepContext } from '../core/context.ts';
import { run } from '../core/run.ts';
import { cachedExtract, NEWER_SUITE } from './suite-extract.ts';

const PLATFORMS = ['i386-pc', 'x86_64-efi'] as const;

/** Modules built into the images; the rest load from /boot/grub/<platform>/. */
const BIOS_MODULES = ['biosdisk', 'part_gpt', 'ext2'];
const EFI_MODULES = [
  'part_gpt',
  'ext2',
  'fat',
  'search',
  'search_fs_uuid',
  'configfile',
  'normal',
  'echo',
  'test',
];

/** Directory holding {i386-pc,x86_64-efi} modules and the docs of GRUB from NEWER_SUITE, cached. */
export function grubModules(sc: StepContext, cacheRoot: string): Promise<string> {
  return cachedExtract(sc, {
    dir: join(cacheRoot, `grub-${NEWER_SUITE}`),
    packages: ['grub-pc-bin', 'grub-efi-amd64-bin'],
    // blsuki is why these modules come from a newer suite: a cache without it is not ready.
    ready: (dir) =>
      PLATFORMS.every((p) =>
        ['normal.mod', 'blsuki.mod'].every((m) => existsSync(join(dir, p, m))),
      ),
    prepare: (root, out) => {
      for (const p of PLATFORMS)
        cpSync(join(root, 'usr/lib/grub', p), join(out, p), { recursive: true });
      cpSync(join(root, 'usr/share/doc/grub-pc-bin'), join(out, 'doc'), {
        recursive: true,
        dereference: true,
      });
    },
  });
}

/** The never-changing menu: every entry comes from ostree's BLS files. */
export function grubCfg(timeoutSeconds: number): string {
  return [
    '# Written once by particle-os; the entries come from /loader/entries (ostree).',
    'serial --unit=0 --speed=115200',
    'terminal_input console serial',
    'terminal_output console serial',
    'set default=0',
    `set timeout=${timeoutSeconds}`,
    'insmod part_gpt',
    'insmod ext2',
    'insmod blsuki',
    'blscfg',
    '',
  ].join('\n');
}

/**
 * Early config built into the EFI binary: find /boot by UUID and point $prefix there. GRUB
 * then enters normal mode, which reads the module lists and grub.cfg from $prefix (a
 * `configfile` here would run grub.cfg before the lists are read: no command autoloading).
 */
export function efiEarlyCfg(bootUuid: string): string {
  return [
    `search --no-floppy --fs-uuid --set=root ${bootUuid}`,
    'set prefix=($root)/grub',
    '',
  ].join('\n');
}

export async function mkimageBios(
  sc: StepContext,
  modules: string,
  out: string,
  bootPartition: number,
): Promise<void> {
  await run(sc, [
    'grub-mkimage',
    '-O',
    'i386-pc',
    '-d',
    join(modules, 'i386-pc'),
    '-o',
    out,
    '-p',
    `(hd0,gpt${bootPartition})/grub`,
    ...BIOS_MODULES,
  ]);
}

export async function mkimageEfi(
  sc: StepContext,
  modules: string,
  out: string,
  earlyCfg: string,
): Promise<void> {
  await run(sc, [
    'grub-mkimage',
    '-O',
    'x86_64-efi',
    '-d',
    join(modules, 'x86_64-efi'),
    '-o',
    out,
    '-c',
    earlyCfg,
    '-p',
    '/grub',
    ...EFI_MODULES,
  ]);
}

/** Copy the runtime modules to /boot/grub/<platform>/ (loaded on demand by GRUB). */
export function installModules(modules: string, bootStage: string): void {
  for (const p of PLATFORMS) {
    const dest = join(bootStage, 'grub', p);
    mkdirSync(dest, { recursive: true });
    for (const f of readdirSync(join(modules, p))) {
      if (/\.(mod|lst)$/.test(f)) cpSync(join(modules, p, f), join(dest, f));
    }
  }
}
