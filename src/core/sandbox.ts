/**
 * bubblewrap command lines for running host tools on content we do not trust (OCI layers,
 * archives, a tree's maintainer scripts). As root without a user namespace, bwrap keeps every
 * capability unless told otherwise; a root process with CAP_SYS_ADMIN or CAP_MKNOD in a mount
 * namespace can mount or open the host's disks, so each sandbox keeps only the capabilities a
 * package manager or an archive tool needs to set owners, modes and file capabilities (the
 * set container engines grant, less mknod and raw sockets).
 */
import { existsSync } from 'node:fs';

/** Capabilities kept inside every sandbox. */
export const SANDBOX_CAPS = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_SETFCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_AUDIT_WRITE',
] as const;

export function capabilityArgs(): string[] {
  return ['--cap-drop', 'ALL', ...SANDBOX_CAPS.flatMap((c) => ['--cap-add', c])];
}

/**
 * After `--proc /proc`: the kernel's knobs that plain file permissions leave to root, made
 * read-only as container engines do (sysctls under /proc/sys; /proc/sysrq-trigger, which
 * reboots or crashes the host with one write).
 */
export function procArgs(): string[] {
  // Kernels built without magic SysRq have no trigger file to cover.
  const sysrq = existsSync('/proc/sysrq-trigger')
    ? ['--ro-bind', '/dev/null', '/proc/sysrq-trigger']
    : [];
  return ['--proc', '/proc', '--ro-bind', '/proc/sys', '/proc/sys', ...sysrq];
}

/**
 * `argv` with the whole host read-only and only `writable` (host directories) writable at
 * their own paths: whatever a hostile archive's symlinks point at outside them is read-only
 * (EROFS), and device nodes cannot be made. No network, own PID namespace, killed with us.
 */
export function hostReadOnlyArgv(writable: readonly string[], argv: readonly string[]): string[] {
  return [
    'bwrap',
    '--ro-bind',
    '/',
    '/',
    '--dev',
    '/dev',
    ...procArgs(),
    ...writable.flatMap((d) => ['--bind', d, d]),
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-net',
    '--die-with-parent',
    ...capabilityArgs(),
    '--',
    ...argv,
  ];
}
