/**
 * The compose plan: what `compose tree` commits, as data. `planCompose` is pure: given the
 * resolved package set and what the ref's current commit recorded, it says what the new commit
 * will hold and whether there is anything to do. `compose tree --dry-run` prints it; the compose
 * computes the same plan and commits from it (its input hash and archive state become commit
 * metadata).
 */

import { type KernelFlavour, packageName } from '../treefile/packages.ts';
import { inputHash } from './input-hash.ts';
import type { LockedPackage } from './lockfile.ts';
import type { ResolvedPackages } from './resolve.ts';

export interface ComposePlan {
  ref: string;
  /** Debian suite the tree is composed from. */
  suite: string;
  /** Absolute path of the OSTree repo the commit goes into. */
  repo: string;
  /**
   * The kernel: its flavour, its metapackage as compose asks apt for it (with the treefile's
   * =VERSION or /SUITE for it, if any), and the version that resolved.
   */
  kernel: { flavour: KernelFlavour | 'default'; requested: string; version?: string };
  /** The treefile's packages given with a version or a suite, as apt is asked for them. */
  pinned: string[];
  /** Every package of the tree, by name (name, version, architecture, archive SHA256, size). */
  packages: LockedPackage[];
  /** Bytes of .deb files to download (before the cache), and installed (dpkg's estimate). */
  downloadBytes: number;
  installedBytes: number;
  /** True when the versions come from a lockfile. */
  locked: boolean;
  /** The ref's commit now: the new commit's parent. */
  parent?: string;
  /** particle-os.inputhash of the new commit (treefile digest + package set). */
  inputHash: string;
  /** particle-os.archive-state of the new commit (the archive's InRelease files), if known. */
  archiveState?: string;
  /** Nothing to compose: the parent was built from the same inputs (and no --force-nocache). */
  unchanged: boolean;
}

/** What the treefile asks of apt beyond names (base-packages.ts requestedKernel and the entries). */
export interface ComposeRequest {
  /** The kernel metapackage as asked for: `linux-image-cloud-amd64`, `linux-image-amd64/trixie-backports`. */
  kernel: string;
  flavour?: KernelFlavour;
  /** Entries with =VERSION or /SUITE. */
  pinned: string[];
}

export interface ComposePlanInput {
  repo: string;
  request: ComposeRequest;
  resolved: ResolvedPackages;
  locked: boolean;
  /** treefileDigest() of the treefile. */
  treefileDigest: string;
  archiveState?: string;
  parent?: { commit: string; inputHash?: string };
  force: boolean;
}

export function planCompose(i: ComposePlanInput): ComposePlan {
  const hash = inputHash(i.treefileDigest, i.resolved.packages);
  const kernelName = packageName(i.request.kernel);
  return {
    ref: i.resolved.ref,
    suite: i.resolved.suite,
    repo: i.repo,
    kernel: {
      flavour: i.request.flavour ?? 'default',
      requested: i.request.kernel,
      version: i.resolved.packages.find((p) => p.name === kernelName)?.version,
    },
    pinned: i.request.pinned,
    packages: i.resolved.packages,
    downloadBytes: i.resolved.downloadBytes,
    installedBytes: i.resolved.installedBytes,
    locked: i.locked,
    parent: i.parent?.commit,
    inputHash: hash,
    archiveState: i.archiveState,
    unchanged: !i.force && i.parent !== undefined && i.parent.inputHash === hash,
  };
}

/**
 * For people: `REF: N packages from Debian SUITE, download X MiB, installed Y MiB`, then the
 * kernel (`  kernel: NAME VERSION`, with its flavour and what was asked when either is not the
 * default) and, when the treefile pins any, `  pinned: name=VERSION, name/SUITE`.
 */
export function formatComposePlan(p: ComposePlan): string {
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
  const k = p.kernel;
  const name = packageName(k.requested);
  const notes = [
    ...(k.flavour === 'default' ? [] : [`kernel-flavour: ${k.flavour}`]),
    ...(k.requested === name ? [] : [`asked for ${k.requested}`]),
  ];
  return [
    `${p.ref}: ${p.packages.length} packages from Debian ${p.suite}, download ${mib(p.downloadBytes)}, installed ${mib(p.installedBytes)}${p.unchanged ? ` (no changes: ${p.parent} has these inputs)` : ''}`,
    `  kernel: ${name} ${k.version ?? '(not in the package set)'}${notes.length ? ` (${notes.join('; ')})` : ''}`,
    ...(p.pinned.length ? [`  pinned: ${p.pinned.join(', ')}`] : []),
    '',
  ].join('\n');
}
