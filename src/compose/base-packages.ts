/**
 * What `base: debian:<suite>` adds so that a treefile only lists what the user wants on top:
 * the packages an OSTree-booted Debian needs.
 */
import type { LoadOptions } from '../treefile/load.ts';
import { CLIENT_DEPENDS } from './client-package.ts';

export const BOOT_PACKAGES = [
  'systemd-sysv', // systemd as init
  'udev',
  'linux-image-amd64',
  'dracut', // ostree-boot integrates with dracut only
  'zstd', // dracut compresses the initramfs with it (compose/initramfs.ts)
  'ostree',
  'ostree-boot', // dracut module 98ostree: ostree-prepare-root in the initramfs
  'e2fsprogs', // fsck of the ext4 root at boot
  'login', // serial/VT getty login
] as const;

/**
 * What compose asks apt for: the boot set, the treefile's packages, what the client runs on
 * when the treefile keeps it, and locales when the treefile names locales to generate.
 */
export function requestedPackages(tf: {
  packages: readonly string[];
  particleOsClient: boolean;
  locales?: readonly string[];
}): string[] {
  return packageSet([
    ...tf.packages,
    ...(tf.particleOsClient ? CLIENT_DEPENDS : []),
    ...localePackages(tf),
  ]);
}

/**
 * The package that generates a treefile's `locales` (locale-gen, the locale sources,
 * /usr/share/i18n/SUPPORTED): none without locales, nor when the treefile installs locales-all,
 * which ships every supported locale compiled (compose/locales.ts).
 */
export function localePackages(tf: {
  packages: readonly string[];
  locales?: readonly string[];
}): string[] {
  return tf.locales?.length && !tf.packages.includes(LOCALES_ALL) ? ['locales'] : [];
}

/** Debian's package of every supported locale, compiled: one directory each in /usr/lib/locale. */
export const LOCALES_ALL = 'locales-all';

/** Union of the boot set and the treefile's packages, sorted and without duplicates. */
export function packageSet(userPackages: readonly string[]): string[] {
  return [...new Set([...BOOT_PACKAGES, ...userPackages])].sort();
}

/**
 * The packages of the interpreter table (treefile/scripts.ts) that are Essential and of
 * priority required in every supported suite: the resolution's `?essential ?priority(required)`
 * installs them whatever the treefile lists (resolve.ts).
 */
export const ESSENTIAL_INTERPRETERS = ['bash', 'coreutils', 'dash', 'perl-base'] as const;

/**
 * What compose installs whatever the treefile lists, as far as known without resolving: the
 * boot set, the client's needs when the treefile keeps it, the Essential interpreters.
 */
export function basePackagesProvided(tf: { particleOsClient: boolean }): string[] {
  return packageSet([...(tf.particleOsClient ? CLIENT_DEPENDS : []), ...ESSENTIAL_INTERPRETERS]);
}

/** How every command that composes (or checks a treefile for composing) loads one. */
export const COMPOSE_LOAD_OPTIONS: LoadOptions = {
  needed: basePackagesNeeded,
  provided: basePackagesProvided,
};

/**
 * What compose cannot build a bootable tree without, each with the reason: the boot set, the
 * packages they cannot do without, and what the client runs on when the treefile keeps it.
 * Excluding one of these can never resolve (loadTreefile's `needed` refuses it up front).
 */
export function basePackagesNeeded(tf: {
  particleOsClient: boolean;
  packages?: readonly string[];
  locales?: readonly string[];
}): Readonly<Record<string, string>> {
  const needed: Record<string, string> = {};
  for (const p of BOOT_PACKAGES) needed[p] = `the base installs it (${BOOT_REASONS[p]})`;
  for (const [p, why] of Object.entries(BOOT_DEPENDS)) needed[p] = why;
  if (tf.particleOsClient)
    for (const p of CLIENT_DEPENDS)
      needed[p] ??= 'the on-device client runs on it (particle-os-client: false drops the client)';
  for (const p of localePackages({ packages: tf.packages ?? [], locales: tf.locales }))
    needed[p] ??= 'it generates the treefile’s locales (or list locales-all in packages instead)';
  return needed;
}

/** Why each boot package is there, for the error that refuses excluding it. */
const BOOT_REASONS: Record<(typeof BOOT_PACKAGES)[number], string> = {
  'systemd-sysv': 'systemd as init',
  udev: 'device management at boot',
  'linux-image-amd64': 'the kernel',
  dracut: 'builds the initramfs with ostree-prepare-root',
  zstd: 'compresses the initramfs',
  ostree: 'the tree is an OSTree deployment',
  'ostree-boot': 'ostree-prepare-root in the initramfs',
  e2fsprogs: 'fsck of the ext4 root at boot',
  login: 'console login',
};

/** Packages a boot package depends on in every supported suite: excluding one breaks it. */
const BOOT_DEPENDS: Record<string, string> = {
  systemd: 'systemd-sysv, which the base installs, depends on it (init)',
  'dracut-core': 'dracut, which the base installs, depends on it (the initramfs)',
  'libostree-1-1': 'ostree, which the base installs, depends on it',
};
