/**
 * `compose tree`: treefile → bootstrapped Debian → OSTree-ready tree → commit in a repo.
 */

import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { type Context, type StepContext, step } from '../core/context.ts';
import { sourceDateEpoch } from '../core/epoch.ts';
import { BuildError } from '../core/errors.ts';
import { run } from '../core/run.ts';
import { makeWorkDir, mountsBelow } from '../core/workdir.ts';
import { commitMetadata, ensureRepo, resolveRef } from '../ostree/repo.ts';
import type { ResolvedTreefile } from '../treefile/load.ts';
import { aptSkeleton, skeletonDir, skeletonSources } from './apt-skeleton.ts';
import { customizeTree } from './customize.ts';
import { archiveState, inputHash, treefileDigest } from './input-hash.ts';
import { installPackages } from './install.ts';
import { readLockfile, writeLockfile } from './lockfile.ts';
import { ostreeify } from './ostreeify.ts';
import { gvariantStrings, installedPackages } from './package-list.ts';
import { publishRef } from './publish.ts';
import { lockRepo } from './repo-lock.ts';
import { resolveInSkeleton } from './resolve.ts';
import { saveInitramfs } from './tree-cache.ts';
import { applyTreefileSettings, commitMetadataArgs } from './treefile-steps.ts';
import { nextVersion } from './version.ts';

export interface ComposeOptions {
  /** Repo to commit into (default: the treefile's ostree.repo). */
  repo?: string;
  /** .deb cache (default: ~/.cache/particle-os/debs). */
  debCacheDir?: string;
  /** Cache root for the apt skeletons (default: the parent of debCacheDir). */
  cacheRoot?: string;
  /** Where temporary build trees go (default: the OS temp dir). */
  workBase?: string;
  /** Also publish the ref into this archive-mode repo (static HTTP serving). */
  publish?: string;
  /** Compose even when the inputs equal those of the ref's commit. */
  force?: boolean;
  /** Install exactly the versions in this lockfile. */
  lockfile?: string;
  /** Write the resolved versions to this lockfile. */
  writeLockfile?: string;
}

export interface ComposeResult {
  repo: string;
  ref: string;
  commit: string;
  version: string;
  /** True when nothing changed: `commit` is the ref's existing commit. */
  unchanged: boolean;
  inputHash?: string;
  kernelVersion?: string;
  packages: string[];
}

export const META = {
  inputHash: 'particle-os.inputhash',
  archiveState: 'particle-os.archive-state',
  packages: 'particle-os.packages',
  treefile: 'particle-os.treefile',
  /** Where the treefile came from (its git remote): the image's org.opencontainers.image.source. */
  source: 'particle-os.source',
} as const;

export function defaultDebCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'particle-os', 'debs');
}

export async function composeTree(
  ctx: Context,
  tf: ResolvedTreefile,
  opts: ComposeOptions = {},
): Promise<ComposeResult> {
  const release = await lockRepo(ctx, opts.repo ?? tf.repo);
  try {
    return await composeLocked(ctx, tf, opts);
  } finally {
    await release();
  }
}

async function composeLocked(
  ctx: Context,
  tf: ResolvedTreefile,
  opts: ComposeOptions,
): Promise<ComposeResult> {
  const repo = opts.repo ?? tf.repo;
  const debCacheDir = opts.debCacheDir ?? defaultDebCacheDir();
  const cacheRoot = opts.cacheRoot ?? dirname(debCacheDir);
  const epoch = sourceDateEpoch(); // a bad value is an error before anything runs
  const tfDigest = treefileDigest(tf);
  const lock = opts.lockfile ? readLockfile(opts.lockfile) : undefined;

  const check = await step(ctx, `check ${tf.ref} for changes`, async (sc) => {
    const parent = existsSync(join(repo, 'config'))
      ? await resolveRef(sc, repo, tf.ref)
      : undefined;
    const meta = async (key: string) =>
      parent ? commitMetadata(sc, repo, parent, key) : undefined;
    const skeleton = skeletonDir(cacheRoot, tf);
    // Fast path: same treefile, same archive state → same package set; nothing to resolve.
    const state =
      existsSync(skeleton) && !lock
        ? await archiveState(tfDigest, skeletonSources(skeleton), ctx.signal)
        : undefined;
    if (
      !opts.force &&
      !opts.writeLockfile &&
      parent &&
      state &&
      state === (await meta(META.archiveState))
    )
      return { parent, unchanged: true as const, state };
    await aptSkeleton(sc, tf, cacheRoot);
    // First use of this archive configuration: the skeleton (and its source list) exists now.
    const archive = state ?? (await archiveState(tfDigest, skeletonSources(skeleton), ctx.signal));
    const resolved = await resolveInSkeleton(sc, tf, skeleton, lock?.packages);
    const hash = inputHash(tfDigest, resolved.packages);
    if (opts.writeLockfile) writeLockfile(opts.writeLockfile, tf, resolved.packages);
    const unchanged = !opts.force && !!parent && hash === (await meta(META.inputHash));
    return { parent, unchanged, state: archive, hash, resolved };
  });

  const parent = check.parent;
  if (check.unchanged && parent) {
    ctx.reporter.info(`no changes: ${tf.ref} is already ${parent}`);
    const result = await step(ctx, `read ${tf.ref}`, async (sc) => ({
      repo,
      ref: tf.ref,
      commit: parent,
      version: (await commitMetadata(sc, repo, parent, 'version')) ?? '',
      unchanged: true,
      inputHash: await commitMetadata(sc, repo, parent, META.inputHash),
      packages: [],
    }));
    if (opts.publish) await publishStep(ctx, repo, opts.publish, tf.ref);
    return result;
  }
  const resolved = check.resolved;
  if (!resolved || !check.hash) throw new BuildError('internal: no resolved package set');

  const work = makeWorkDir(ctx, 'particle-os-compose', opts.workBase);
  const rootfs = join(work, 'rootfs');
  const install = await installPackages(ctx, {
    tf,
    rootfs,
    work,
    debCacheDir,
    cacheRoot,
    lock,
    resolved,
    force: opts.force,
  });
  await step(ctx, 'add files, run postprocess scripts, build the initramfs', async (sc) => {
    const c = await customizeTree(sc, tf, rootfs, install.initramfs);
    if (c.reused) ctx.reporter.info('initramfs unchanged: reused from the cached tree');
    if (!c.reused) saveInitramfs(install.cached, c.recipe, c.initramfs);
  });

  const { kernelVersion, installed } = await step(
    ctx,
    'apply treefile settings, make the tree OSTree-ready',
    async (sc) => {
      if (mountsBelow(rootfs).length > 0) throw new BuildError(`${rootfs} still has mounts`);
      await applyTreefileSettings(sc, tf, rootfs);
      const o = ostreeify(rootfs, { machineIdCompat: tf.machineidCompat });
      return { ...o, installed: await installedPackages(sc, rootfs) };
    },
  );

  const result = await step(ctx, `commit ${tf.ref}`, async (sc) => {
    await ensureRepo(sc, repo, 'bare');
    // The parent found by the change check: the repo lock keeps the ref where it was.
    const previous = parent ? await commitMetadata(sc, repo, parent, 'version') : undefined;
    const source = await gitRemote(sc, dirname(tf.file));
    const version = nextVersion(
      tf.versionPrefix,
      epoch ? new Date(epoch * 1000) : new Date(),
      previous,
    );
    const r = await run(sc, [
      'ostree',
      'commit',
      `--repo=${repo}`,
      `--branch=${tf.ref}`,
      `--tree=dir=${rootfs}`,
      '--bootable',
      `--subject=${tf.ref} ${version}`,
      ...(epoch ? [`--timestamp=@${epoch}`] : []),
      `--add-metadata-string=version=${version}`,
      `--add-metadata-string=${META.treefile}=${basename(tf.file)}`,
      `--add-metadata-string=${META.inputHash}=${check.hash}`,
      ...(check.state ? [`--add-metadata-string=${META.archiveState}=${check.state}`] : []),
      `--add-metadata=${META.packages}=${gvariantStrings(installed)}`,
      ...(source ? [`--add-metadata-string=${META.source}=${source}`] : []),
      ...commitMetadataArgs(tf),
    ]);
    return {
      repo,
      ref: tf.ref,
      commit: r.stdout.trim(),
      version,
      unchanged: false,
      inputHash: check.hash,
      kernelVersion,
      packages: installed,
    };
  });
  if (opts.publish) await publishStep(ctx, repo, opts.publish, tf.ref);
  return result;
}

/** The git remote the treefile's checkout came from, if it is in one with a remote. */
async function gitRemote(sc: StepContext, dir: string): Promise<string | undefined> {
  try {
    const r = await run(sc, ['git', '-C', dir, 'config', '--get', 'remote.origin.url'], {
      okCodes: [0, 1, 128],
    });
    return r.code === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
  } catch {
    return undefined; // no git on this host
  }
}

function publishStep(ctx: Context, repo: string, to: string, ref: string): Promise<void> {
  return step(ctx, `publish ${ref} to ${to}`, (sc) => publishRef(sc, repo, to, ref));
}
