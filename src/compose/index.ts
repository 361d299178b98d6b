/**
 * `compose tree`: treefile → bootstrapped Debian → OSTree-ready tree → commit in a repo.
 * The steps (steps.ts) in order: check for changes (resolve and plan), install the packages,
 * customize, make the tree OSTree-ready, commit, publish. `planComposeTree` is the dry run:
 * the same plan, nothing installed.
 */
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { type Context, step } from '../core/context.ts';
import { sourceDateEpoch } from '../core/epoch.ts';
import { formatIssue } from '../core/errors.ts';
import { makeWorkDir } from '../core/workdir.ts';
import type { ResolvedTreefile } from '../treefile/load.ts';
import { treefileDigest } from './input-hash.ts';
import { installPackages } from './install.ts';
import { readLockfile } from './lockfile.ts';
import type { ComposePlan } from './plan.ts';
import { lockRepo } from './repo-lock.ts';
import {
  type ComposeInput,
  type ComposeResult,
  checkForChanges,
  commitTree,
  customize,
  makeOstreeReady,
  publish,
  readUnchanged,
  refCommit,
  resolvePlan,
} from './steps.ts';

export type { ComposeResult } from './steps.ts';

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

export function defaultDebCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'particle-os', 'debs');
}

/** The options with their defaults; a bad SOURCE_DATE_EPOCH is an error before anything runs. */
function composeInput(tf: ResolvedTreefile, opts: ComposeOptions): ComposeInput {
  const debCacheDir = opts.debCacheDir ?? defaultDebCacheDir();
  return {
    tf,
    repo: opts.repo ?? tf.repo,
    debCacheDir,
    cacheRoot: opts.cacheRoot ?? dirname(debCacheDir),
    epoch: sourceDateEpoch(),
    treefileDigest: treefileDigest(tf),
    lock: opts.lockfile ? readLockfile(opts.lockfile) : undefined,
    force: !!opts.force,
    writeLockfile: opts.writeLockfile,
  };
}

/** The treefile's warnings (keys accepted but without effect) go out before any work. */
function reportWarnings(ctx: Context, tf: ResolvedTreefile): void {
  for (const w of tf.warnings) ctx.reporter.warn(formatIssue(w));
}

export async function composeTree(
  ctx: Context,
  tf: ResolvedTreefile,
  opts: ComposeOptions = {},
): Promise<ComposeResult> {
  reportWarnings(ctx, tf);
  const i = composeInput(tf, opts);
  const release = await lockRepo(ctx, i.repo);
  try {
    const check = await checkForChanges(ctx, i);
    const result = check.unchanged
      ? await readUnchanged(ctx, i, check.parent)
      : await build(ctx, i, check.plan, opts.workBase);
    if (opts.publish) await publish(ctx, i.repo, opts.publish, tf.ref);
    return result;
  } finally {
    await release();
  }
}

async function build(
  ctx: Context,
  i: ComposeInput,
  plan: ComposePlan,
  workBase: string | undefined,
): Promise<ComposeResult> {
  const work = makeWorkDir(ctx, 'particle-os-compose', workBase);
  const rootfs = join(work, 'rootfs');
  const installed = await installPackages(ctx, {
    tf: i.tf,
    rootfs,
    work,
    debCacheDir: i.debCacheDir,
    cacheRoot: i.cacheRoot,
    lock: i.lock,
    resolved: plan,
    force: i.force,
  });
  await customize(ctx, i.tf, rootfs, installed);
  const ready = await makeOstreeReady(ctx, i, plan, rootfs);
  return commitTree(ctx, i, plan, rootfs, ready);
}

/**
 * The dry run: resolve the package set against the archive (the lockfile's versions when one
 * is given) and return the plan a compose would commit; installs nothing, writes only the
 * lockfile asked for.
 */
export async function planComposeTree(
  ctx: Context,
  tf: ResolvedTreefile,
  opts: Pick<
    ComposeOptions,
    'repo' | 'cacheRoot' | 'debCacheDir' | 'force' | 'lockfile' | 'writeLockfile'
  > = {},
): Promise<ComposePlan> {
  reportWarnings(ctx, tf);
  const i = composeInput(tf, opts);
  return step(ctx, `resolve packages of ${tf.ref}`, async (sc) =>
    resolvePlan(sc, i, await refCommit(sc, i.repo, tf.ref)),
  );
}
