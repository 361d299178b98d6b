/**
 * Bootstrap a Debian root filesystem with mmdebstrap (Debian's own tool; apt resolves the
 * packages against the archive the host or mmdebstrap defaults to). The kernel's postinst is
 * told not to build an initramfs (INITRD=No); the customize hook builds the one we ship.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { APT_OPTIONS } from '../core/apt.ts';
import type { StepContext } from '../core/context.ts';
import { run } from '../core/run.ts';

const INITRAMFS_HOOK = fileURLToPath(new URL('./hooks/initramfs.sh', import.meta.url));

export interface BootstrapOptions {
  suite: string;
  packages: string[];
  target: string;
  /** .deb cache shared between builds; copied in before and out after the install. */
  cacheDir: string;
}

export function mmdebstrapArgv(o: BootstrapOptions): string[] {
  return [
    'mmdebstrap',
    '--mode=root',
    '--format=directory',
    '--variant=minbase',
    `--include=${o.packages.join(',')}`,
    ...APT_OPTIONS,
    '--skip=download/empty',
    `--setup-hook=mkdir -p "$1/var/cache/apt/archives"`,
    `--setup-hook=sync-in ${o.cacheDir} /var/cache/apt/archives`,
    `--customize-hook=sync-out /var/cache/apt/archives ${o.cacheDir}`,
    `--customize-hook=${INITRAMFS_HOOK}`,
    o.suite,
    o.target,
  ];
}

export async function bootstrap(sc: StepContext, o: BootstrapOptions): Promise<void> {
  mkdirSync(o.cacheDir, { recursive: true });
  await run(sc, mmdebstrapArgv(o), { env: { INITRD: 'No' } });
}
