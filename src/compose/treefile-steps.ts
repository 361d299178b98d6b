/**
 * Treefile settings applied to the bootstrapped tree on the host, after mmdebstrap and before
 * it is made OSTree-ready: units enabled and the default target set (systemctl --root, which
 * resolves paths inside the root), directories created, files removed, kernel arguments as
 * bootc kargs.d. Every path the treefile names is resolved inside the tree (core/tree.ts).
 */
import type { StepContext } from '../core/context.ts';
import { UsageError } from '../core/errors.ts';
import { run } from '../core/run.ts';
import { Tree } from '../core/tree.ts';
import { KARGS_DIR, kargsToml } from '../ostree/kargs.ts';
import type { ResolvedTreefile } from '../treefile/load.ts';
import { tmpfilesPath } from './var-tmpfiles.ts';

export async function applyTreefileSettings(
  sc: StepContext,
  tf: ResolvedTreefile,
  rootfs: string,
): Promise<void> {
  const tree = new Tree(rootfs);
  // `--` so that no unit name is ever read as an option.
  if (tf.units.length)
    await run(sc, ['systemctl', `--root=${rootfs}`, 'enable', '--', ...tf.units]);
  if (tf.defaultTarget)
    await run(sc, ['systemctl', `--root=${rootfs}`, 'set-default', '--', tf.defaultTarget]);
  const varDirs = tf.directories.filter((d) => d === '/var' || d.startsWith('/var/'));
  for (const d of tf.directories.filter((x) => !varDirs.includes(x))) tree.mkdir(d);
  if (varDirs.length) {
    // /var is not part of the commit: these are made at boot.
    tree.write(
      'usr/lib/tmpfiles.d/particle-os-treefile.conf',
      `${varDirs.map((d) => `d ${tmpfilesPath(d)} 0755 root root - -`).join('\n')}\n`,
    );
  }
  for (const [i, f] of tf.removeFiles.entries()) {
    if (!tree.remove(f)) {
      const r = tree.resolve(f, false);
      const via = r.links.length ? ` (resolved inside the tree through ${r.links.join(', ')})` : '';
      throw new UsageError(`${tf.file}: remove-files[${i}]: ${f} does not exist in the tree${via}`);
    }
  }
  if (tf.kernelArgs.length) tree.write(`${KARGS_DIR}/10-treefile.toml`, kargsToml(tf.kernelArgs));
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
