/**
 * Host tools each stage needs, with the Debian package that provides them. Checked up front so
 * a missing tool is one clear message, not a failure half-way through a build.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { MissingToolsError } from './errors.ts';

export type Stage =
  | 'compose'
  | 'container'
  | 'build'
  | 'boot-test'
  | 'boot-test-uefi'
  | 'registry'
  | 'run'
  | 'install'
  | 'iso';

interface Tool {
  tool: string;
  debianPackage: string;
  stages: Stage[];
  /** A file instead of a command on PATH. */
  file?: string;
}

export const HOST_TOOLS: readonly Tool[] = [
  { tool: 'mmdebstrap', debianPackage: 'mmdebstrap', stages: ['compose', 'build'] },
  // Runs postprocess scripts, dracut and incremental installs inside the tree, no host mounts;
  // confines tar when it unpacks an image's layers (build).
  { tool: 'bwrap', debianPackage: 'bubblewrap', stages: ['compose', 'build'] },
  {
    tool: 'ostree',
    debianPackage: 'ostree',
    stages: ['compose', 'container', 'build', 'boot-test'],
  },
  { tool: 'tar', debianPackage: 'tar', stages: ['container', 'build'] },
  { tool: 'pigz', debianPackage: 'pigz', stages: ['container', 'build'] },
  { tool: 'zstd', debianPackage: 'zstd', stages: ['container', 'build'] },
  { tool: 'sfdisk', debianPackage: 'fdisk', stages: ['build'] },
  { tool: 'mkfs.ext4', debianPackage: 'e2fsprogs', stages: ['build'] },
  { tool: 'mkfs.vfat', debianPackage: 'dosfstools', stages: ['build'] },
  { tool: 'mcopy', debianPackage: 'mtools', stages: ['build'] },
  { tool: 'mmd', debianPackage: 'mtools', stages: ['build'] },
  { tool: 'grub-mkimage', debianPackage: 'grub-common', stages: ['build'] },
  { tool: 'qemu-img', debianPackage: 'qemu-utils', stages: ['build', 'run'] },
  {
    tool: 'qemu-system-x86_64',
    debianPackage: 'qemu-system-x86',
    stages: ['boot-test', 'boot-test-uefi', 'run'],
  },
  // run: the session key (ssh-keygen) and particle-os ssh.
  { tool: 'ssh-keygen', debianPackage: 'openssh-client', stages: ['run'] },
  { tool: 'ssh', debianPackage: 'openssh-client', stages: ['run'] },
  {
    tool: 'OVMF',
    debianPackage: 'ovmf',
    stages: ['boot-test-uefi'],
    file: '/usr/share/OVMF/OVMF_CODE_4M.fd',
  },
  { tool: 'systemctl', debianPackage: 'systemd', stages: ['compose'] },
  { tool: 'unshare', debianPackage: 'util-linux', stages: ['compose'] },
  // install to-disk: the target's signatures and a block device's size.
  { tool: 'wipefs', debianPackage: 'util-linux', stages: ['install'] },
  { tool: 'blockdev', debianPackage: 'util-linux', stages: ['install'] },
  // install from-medium: the disks of the machine.
  { tool: 'lsblk', debianPackage: 'util-linux', stages: ['install'] },
  // build --type iso: the live system's root and the ISO itself.
  { tool: 'mksquashfs', debianPackage: 'squashfs-tools', stages: ['iso'] },
  { tool: 'xorriso', debianPackage: 'xorriso', stages: ['iso'] },
  { tool: 'openssl', debianPackage: 'openssl', stages: ['build'] },
  { tool: 'skopeo', debianPackage: 'skopeo', stages: ['registry'] },
  { tool: 'dpkg-deb', debianPackage: 'dpkg', stages: ['compose'] },
  { tool: 'docker-registry', debianPackage: 'docker-registry', stages: ['registry'] },
];

export interface ToolState {
  tool: string;
  debianPackage: string;
  stages: Stage[];
  path?: string;
}

export function findOnPath(cmd: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'];
  for (const d of dirs) {
    const p = join(d, cmd);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

export function toolStates(): ToolState[] {
  return HOST_TOOLS.map((t) => ({
    tool: t.tool,
    debianPackage: t.debianPackage,
    stages: t.stages,
    path: t.file ? (existsSync(t.file) ? t.file : undefined) : findOnPath(t.tool),
  }));
}

/** Throw one MissingToolsError listing every tool the given stages need and lack. */
export function requireTools(stages: Stage[]): void {
  const missing = toolStates().filter((t) => !t.path && t.stages.some((s) => stages.includes(s)));
  if (missing.length) throw new MissingToolsError(missing);
}

/** Debian packages every stage needs (what `.ci/run` and the quick start install). */
export function allDebianPackages(): string[] {
  return [...new Set(HOST_TOOLS.map((t) => t.debianPackage))].sort();
}
