/**
 * Treefile settings applied to the bootstrapped tree on the host, after mmdebstrap and before
 * it is made OSTree-ready: units enabled and the default target set (systemctl --root, no
 * chroot needed), directories created, files removed, kernel arguments as
 * bootc kargs.d.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { StepContext } from '../core/context.ts';
import { run } from '../core/run.ts';
import { KARGS_DIR, kargsToml } from '../image/kargs.ts';
import type { ResolvedTreefile } from '../treefile/load.ts';

export async function applyTreefileSettings(
  sc: StepContext,
  tf: ResolvedTreefile,
  rootfs: string,
): Promise<void> {
  if (tf.units.length) await run(sc, ['systemctl', `--root=${rootfs}`, 'enable', ...tf.units]);
  if (tf.defaultTarget)
    await run(sc, ['systemctl', `--root=${rootfs}`, 'set-default', tf.defaultTarget]);
  const varDirs = tf.directories.filter((d) => d === '/var' || d.startsWith('/var/'));
  for (const d of tf.directories.filter((x) => !varDirs.includes(x)))
    mkdirSync(join(rootfs, d), { recursive: true });
  if (varDirs.length) {
    // /var is not part of the commit: these are made at boot.
    const conf = join(rootfs, 'usr/lib/tmpfiles.d/particle-os-treefile.conf');
    mkdirSync(dirname(conf), { recursive: true });
    writeFileSync(conf, `${varDirs.map((d) => `d ${d} 0755 root root - -`).join('\n')}\n`);
  }
  for (const f of tf.removeFiles) rmSync(join(rootfs, f), { recursive: true, force: true });
  if (tf.kernelArgs.length) {
    const file = join(rootfs, KARGS_DIR, '10-treefile.toml');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, kargsToml(tf.kernelArgs));
  }
}

/** ostree commit flags for the treefile's add-commit-metadata and container-cmd. */
export function commitMetadataArgs(tf: ResolvedTreefile): string[] {
  const args = Object.entries(tf.commitMetadata).map(([k, v]) =>
    typeof v === 'string'
      ? `--add-metadata-string=${k}=${v}`
      : `--add-metadata=${k}=${typeof v === 'number' ? `int64 ${v}` : v}`,
  );
  if (tf.containerCmd)
    args.push(`--add-metadata-string=particle-os.container-cmd=${JSON.stringify(tf.containerCmd)}`);
  return args;
}
