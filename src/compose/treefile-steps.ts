/**
 * Treefile settings applied to the bootstrapped tree on the host, after mmdebstrap and before
 * it is made OSTree-ready: units enabled and the default target set (systemctl --root, which
 * resolves paths inside the root), directories created, files removed, kernel arguments as
 * bootc kargs.d, the commit's version in os-release (mutate-os-release). Every path the
 * treefile names is resolved inside the tree (core/tree.ts).
 */
import type { StepContext } from '../core/context.ts';
import { BuildError, UsageError } from '../core/errors.ts';
import { run } from '../core/run.ts';
import { Tree } from '../core/tree.ts';
import { KARGS_DIR, kargsToml } from '../ostree/kargs.ts';
import type { ResolvedTreefile } from '../treefile/load.ts';
import { mutateOsRelease } from './os-release.ts';
import { tmpfilesPath } from './var-tmpfiles.ts';

/** `version`: the version the commit will get (mutate-os-release writes it into the tree). */
export async function applyTreefileSettings(
  sc: StepContext,
  tf: ResolvedTreefile,
  rootfs: string,
  version: string,
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
  if (tf.mutateOsRelease !== undefined) writeVersion(tree, tf, tf.mutateOsRelease, version);
}

/** Where os-release lives; Debian's /etc/os-release is a link to it. */
export const OS_RELEASE = 'usr/lib/os-release';

/**
 * mutate-os-release: the commit's version into os-release (os-release.ts), read and written
 * inside the tree (a link there is followed inside it).
 *
 * @throws BuildError when the tree has no os-release (base-files provides it).
 */
function writeVersion(tree: Tree, tf: ResolvedTreefile, mutate: string, version: string): void {
  if (!tree.isFile(OS_RELEASE))
    throw new BuildError(`${tf.file}: mutate-os-release: the tree has no /${OS_RELEASE}`);
  tree.write(OS_RELEASE, mutateOsRelease(tree.readText(OS_RELEASE), mutate, version));
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
