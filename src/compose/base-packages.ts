/**
 * What `base: debian:<suite>` adds so that a treefile only lists what the user wants on top:
 * the packages an OSTree-booted Debian needs.
 */
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
 * What compose asks apt for: the boot set, the treefile's packages and, when the treefile keeps
 * the client, what the client runs on.
 */
export function requestedPackages(tf: {
  packages: readonly string[];
  particleOsClient: boolean;
}): string[] {
  return packageSet([...tf.packages, ...(tf.particleOsClient ? CLIENT_DEPENDS : [])]);
}

/** Union of the boot set and the treefile's packages, sorted and without duplicates. */
export function packageSet(userPackages: readonly string[]): string[] {
  return [...new Set([...BOOT_PACKAGES, ...userPackages])].sort();
}
