/**
 * Deploy the OS into a staging sysroot the way `bootc install to-filesystem` would: commit the
 * unpacked image into the sysroot's own repo, `ostree admin deploy` it with the kernel
 * arguments, and configure the new deployment's /etc (fstab, hostname). The sysroot's /boot
 * content is split off afterwards into its own partition.
 */
import { mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StepContext } from '../core/context.ts';
import { UsageError } from '../core/errors.ts';
import { run } from '../core/run.ts';
import { Tree } from '../core/tree.ts';
import {
  CONTAINER_META,
  importLayerBlobs,
  originFile,
  type TargetImage,
} from '../ostree/container.ts';
import { onlyKernel } from '../ostree/kernel.ts';

export const OS_NAME = 'debian';
/** Name of the ostree remote an image built with an update URL upgrades from. */
export const UPDATE_REMOTE = 'debian';

export interface DeployInput {
  /** The OS: an unpacked image tree to commit, or an existing commit to pull as it is. */
  content: { rootfs: string } | { repo: string; commit: string };
  stage: string;
  ref: string;
  version?: string;
  /** Commit timestamp (seconds) so the deployed commit carries the image's creation time. */
  timestamp?: number;
  kargs: string[];
  fstab: string;
  /** Where `ostree admin upgrade` on the booted system pulls from (an archive repo URL). */
  updateUrl?: string;
  /**
   * The image the installed system follows (particle-os upgrade): the image's layers are
   * committed as blob refs next to the deployment, so the first upgrade fetches only new ones.
   */
  target?: {
    image: TargetImage;
    manifestDigest: string;
    layers: { digest: string; file: string }[];
  };
}

export interface Deployment {
  commit: string;
  /** Path of the deployment directory inside the stage. */
  dir: string;
  /** The stateroot's /var, shared by all deployments (home directories go here). */
  stateVar: string;
  /** The deployment's kernel (the one directory under /usr/lib/modules). */
  kernelVersion: string;
}

export async function deploy(sc: StepContext, d: DeployInput): Promise<Deployment> {
  const repo = join(d.stage, 'ostree/repo');
  if ('rootfs' in d.content) {
    // bootc images keep /etc at /etc; an OSTree commit wants it at /usr/etc. The image's own
    // links are resolved inside it (core/tree.ts).
    const image = new Tree(d.content.rootfs);
    if (image.lstat('usr/etc')) {
      throw new UsageError(
        'image has /usr/etc: not a bootc image layout (bootc lint: etc must be at /etc)',
      );
    }
    if (!image.lstat('etc')?.isDirectory() || !image.lstat('usr')?.isDirectory())
      throw new UsageError('image has no /etc or /usr directory (a link is not enough)');
    image.rename('etc', 'usr/etc');
  }

  mkdirSync(d.stage, { recursive: true });
  await run(sc, ['ostree', 'admin', 'init-fs', '--modern', d.stage]);
  await run(sc, ['ostree', 'admin', 'os-init', OS_NAME, `--sysroot=${d.stage}`]);
  // The bootloader menu is static `blscfg`: ostree only writes BLS entries.
  await run(sc, ['ostree', 'config', `--repo=${repo}`, 'set', 'sysroot.bootloader', 'none']);
  if (d.target) {
    if (!('rootfs' in d.content))
      throw new UsageError('a target image needs an image source, not an OSTree commit');
    await importLayerBlobs(sc, repo, d.target.layers);
  }
  let commit: string;
  if ('rootfs' in d.content) {
    commit = (
      await run(sc, [
        'ostree',
        'commit',
        `--repo=${repo}`,
        `--branch=${d.ref}`,
        `--tree=dir=${d.content.rootfs}`,
        '--consume',
        '--bootable',
        `--subject=${d.ref}${d.version ? ` ${d.version}` : ''}`,
        ...(d.version ? [`--add-metadata-string=version=${d.version}`] : []),
        ...(d.timestamp ? [`--timestamp=@${d.timestamp}`] : []),
        ...(d.target
          ? [
              `--add-metadata-string=${CONTAINER_META.manifestDigest}=${d.target.manifestDigest}`,
              `--add-metadata-string=${CONTAINER_META.layerDigests}=${d.target.layers.map((l) => l.digest).join(',')}`,
            ]
          : []),
      ])
    ).stdout.trim();
  } else {
    // The exact commit, as composed: what the installed system reports and upgrades from.
    commit = d.content.commit;
    await run(sc, ['ostree', 'pull-local', `--repo=${repo}`, d.content.repo, commit]);
    await run(sc, ['ostree', 'refs', `--repo=${repo}`, `--create=${d.ref}`, commit]);
  }
  await run(sc, [
    'ostree',
    'admin',
    'deploy',
    `--sysroot=${d.stage}`,
    `--os=${OS_NAME}`,
    ...d.kargs.map((k) => `--karg-append=${k}`),
    ...(d.target ? [`--origin-file=${writeOrigin(d.stage, d.target.image)}`] : []),
    d.ref,
  ]);
  // A system that follows an image keeps no local ref: its deployments hold their commits,
  // the blob refs hold the layers (the client prunes them when no deployment needs them).
  if (d.target) await run(sc, ['ostree', 'refs', `--repo=${repo}`, `--delete`, d.ref]);
  const deployDir = join(d.stage, 'ostree/deploy', OS_NAME, 'deploy');
  const name = readdirSync(deployDir).find(
    (n) => n.startsWith(`${commit}.`) && !n.endsWith('.origin'),
  );
  if (!name) throw new Error(`deployment of ${commit} not found in ${deployDir}`);
  const dir = join(deployDir, name);
  if (d.updateUrl) {
    // The origin names a remote so the installed system can upgrade itself.
    await run(sc, [
      'ostree',
      'admin',
      'set-origin',
      `--sysroot=${d.stage}`,
      '--index=0',
      '--set=gpg-verify=false',
      UPDATE_REMOTE,
      d.updateUrl,
      d.ref,
    ]);
  }
  const os = new Tree(dir);
  os.write('etc/fstab', d.fstab);
  const kernelVersion = onlyKernel(os);
  return {
    commit,
    dir,
    stateVar: join(d.stage, 'ostree/deploy', OS_NAME, 'var'),
    kernelVersion,
  };
}

/** The origin file for `ostree admin deploy --origin-file`, beside the sysroot (not in it). */
function writeOrigin(stage: string, image: TargetImage): string {
  const file = `${stage}.origin`;
  writeFileSync(file, originFile(image));
  return file;
}

/** Move the staged /boot content into its own tree (the /boot partition), leaving /boot empty. */
export function splitBoot(stage: string, bootStage: string): void {
  mkdirSync(bootStage, { recursive: true });
  const boot = join(stage, 'boot');
  for (const name of readdirSync(boot)) renameSync(join(boot, name), join(bootStage, name));
}

/** fstab of the deployment. XFS and Btrfs get fsck pass 0: their fsck programs do nothing at boot. */
export function fstab(rootUuid: string, bootUuid: string, rootFs = 'ext4'): string {
  const pass = rootFs === 'ext4' ? 1 : 0;
  return [
    '# <file system> <mount point> <type> <options> <dump> <pass>',
    `UUID=${rootUuid} / ${rootFs} defaults ${pass} ${pass}`,
    `UUID=${bootUuid} /boot ext4 defaults 1 2`,
    '',
  ].join('\n');
}
