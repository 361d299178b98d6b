/**
 * What `base: debian:<suite>` adds so that a treefile only lists what the user wants on top:
 * the packages an OSTree-booted Debian needs. The kernel is the metapackage of the treefile's
 * `kernel-flavour` (linux-image-amd64 by default); a treefile entry for the same package with a
 * version or suite (`linux-image-amd64/trixie-backports`) takes its place in the request.
 */
import type { LoadOptions } from '../treefile/load.ts';
import { onePerPackage } from '../treefile/model.ts';
import { type KernelFlavour, kernelPackage, packageName } from '../treefile/packages.ts';
import { CLIENT_DEPENDS } from './client-package.ts';

/** The boot set besides the kernel, each with why it is there. */
const BOOT_REASONS: Readonly<Record<string, string>> = {
  'systemd-sysv': 'systemd as init',
  udev: 'device management at boot',
  dracut: 'builds the initramfs with ostree-prepare-root', // ostree-boot integrates with dracut only
  zstd: 'compresses the initramfs', // dracut compresses with it (compose/initramfs.ts)
  ostree: 'the tree is an OSTree deployment',
  'ostree-boot': 'ostree-prepare-root in the initramfs', // dracut module 98ostree
  e2fsprogs: 'fsck of the ext4 root at boot',
  login: 'console login', // serial/VT getty
};

/** What decides the boot set: the kernel flavour (undefined: the default kernel). */
export interface KernelChoice {
  kernelFlavour?: KernelFlavour;
}

/** The boot set: the flavour's kernel metapackage and the rest, sorted. */
export function bootPackages(tf: KernelChoice): string[] {
  return [kernelPackage(tf.kernelFlavour), ...Object.keys(BOOT_REASONS)].sort();
}

/**
 * The kernel as compose asks apt for it: the flavour's metapackage, or the treefile's entry for
 * it when that names a version or suite (`linux-image-amd64/trixie-backports`).
 */
export function requestedKernel(tf: KernelChoice & { packages: readonly string[] }): string {
  return requestedPackages({ ...tf, particleOsClient: false }).find(
    (p) => packageName(p) === kernelPackage(tf.kernelFlavour),
  ) as string;
}

/**
 * What compose asks apt for: the boot set, the treefile's packages, what the client runs on
 * when the treefile keeps it, and locales when the treefile names locales to generate. Entries
 * as apt reads them (`name=VERSION`, `name/SUITE`), one per package.
 */
export function requestedPackages(
  tf: KernelChoice & {
    packages: readonly string[];
    particleOsClient: boolean;
    locales?: readonly string[];
  },
): string[] {
  return packageSet(tf, [
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
  return tf.locales?.length && !installsLocalesAll(tf.packages) ? ['locales'] : [];
}

/** Whether the treefile's package entries (bare, pinned or from a suite) list locales-all. */
export function installsLocalesAll(packages: readonly string[]): boolean {
  return packages.some((p) => packageName(p) === LOCALES_ALL);
}

/** Debian's package of every supported locale, compiled: one directory each in /usr/lib/locale. */
export const LOCALES_ALL = 'locales-all';

/**
 * Union of the boot set and `userPackages`, sorted, one entry per package: where the user's
 * entry for a boot package names a version or suite, it replaces the bare name.
 */
export function packageSet(tf: KernelChoice, userPackages: readonly string[]): string[] {
  return onePerPackage([...bootPackages(tf), ...userPackages]).sort();
}

/**
 * The packages of the interpreter table (treefile/scripts.ts) that are Essential and of
 * priority required in every supported suite: the resolution's `?essential ?priority(required)`
 * installs them whatever the treefile lists (resolve.ts).
 */
export const ESSENTIAL_INTERPRETERS = ['bash', 'coreutils', 'dash', 'perl-base'] as const;

/**
 * What compose installs whatever the treefile lists, as far as known without resolving: the
 * boot set, the client's needs when the treefile keeps it, the Essential interpreters. Names.
 */
export function basePackagesProvided(tf: KernelChoice & { particleOsClient: boolean }): string[] {
  return packageSet(tf, [
    ...(tf.particleOsClient ? CLIENT_DEPENDS : []),
    ...ESSENTIAL_INTERPRETERS,
  ]);
}

/** How every command that composes (or checks a treefile for composing) loads one. */
export const COMPOSE_LOAD_OPTIONS: LoadOptions = {
  needed: basePackagesNeeded,
  provided: basePackagesProvided,
};

/**
 * What compose cannot build a bootable tree without, each with the reason: the boot set (with
 * the flavour's kernel), the packages they cannot do without, and what the client runs on when
 * the treefile keeps it. Excluding one of these can never resolve (loadTreefile's `needed`
 * refuses it up front).
 */
export function basePackagesNeeded(
  tf: KernelChoice & {
    particleOsClient: boolean;
    packages?: readonly string[];
    locales?: readonly string[];
  },
): Readonly<Record<string, string>> {
  const kernel = kernelPackage(tf.kernelFlavour);
  const needed: Record<string, string> = {
    [kernel]: `the base installs it (the kernel${tf.kernelFlavour ? `, kernel-flavour: ${tf.kernelFlavour}` : ''})`,
  };
  for (const [p, why] of Object.entries(BOOT_REASONS)) needed[p] = `the base installs it (${why})`;
  for (const [p, why] of Object.entries(BOOT_DEPENDS)) needed[p] = why;
  if (tf.particleOsClient)
    for (const p of CLIENT_DEPENDS)
      needed[p] ??= 'the on-device client runs on it (particle-os-client: false drops the client)';
  for (const p of localePackages({ packages: tf.packages ?? [], locales: tf.locales }))
    needed[p] ??= 'it generates the treefile’s locales (or list locales-all in packages instead)';
  return needed;
}

/** Packages a boot package depends on in every supported suite: excluding one breaks it. */
const BOOT_DEPENDS: Record<string, string> = {
  systemd: 'systemd-sysv, which the base installs, depends on it (init)',
  'dracut-core': 'dracut, which the base installs, depends on it (the initramfs)',
  'libostree-1-1': 'ostree, which the base installs, depends on it',
};
