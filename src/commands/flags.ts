/** Flag parsing shared by several commands. */
import { dirname, join, resolve } from 'node:path';
import { defaultCacheDir } from '../compose/index.ts';
import { UsageError } from '../core/errors.ts';
import type { Stage } from '../core/host-tools.ts';
import type { Firmware } from '../verify/qemu.ts';

export function parseFirmware(s: string): Firmware {
  if (s !== 'bios' && s !== 'uefi')
    throw new UsageError(`--firmware must be bios or uefi, not ${s}`);
  return s;
}

export function parseTimeout(s: string): number {
  const n = Number(s);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`--timeout must be a positive number of seconds, not ${s}`);
  return n;
}

/** Host-tool stages for booting under these firmwares. */
export function bootStages(firmwares: Firmware[]): Stage[] {
  return ['boot-test', ...(firmwares.includes('uefi') ? (['boot-test-uefi'] as const) : [])];
}

/** The cache root (--cachedir or ~/.cache/particle-os) and the .deb cache inside it. */
export function cacheDirs(flag: string | undefined): { root: string; debs: string } {
  const root = flag ? resolve(flag) : dirname(defaultCacheDir());
  return { root, debs: join(root, 'debs') };
}

/** Logs of commands with an output directory go there. */
export function logFlags(globals: { logDir?: string; verbose?: boolean }, outputDir: string) {
  return { ...globals, logDir: globals.logDir ?? join(outputDir, 'logs') };
}
