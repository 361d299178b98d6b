/**
 * `compose tree`: treefile → bootstrapped Debian → OSTree-ready tree → commit in a repo.
 */

import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { type Context, step } from '../core/context.ts';
import { BuildError } from '../core/errors.ts';
import { commitMetadata, ensureRepo, resolveRef } from '../core/ostree.ts';
import { run } from '../core/run.ts';
import { makeWorkDir, mountsBelow } from '../core/workdir.ts';
import type { ResolvedTreefile } from '../treefile/load.ts';
import { packageSet } from './base-packages.ts';
import { bootstrap } from './bootstrap.ts';
import { ostreeify } from './ostreeify.ts';
import { publishRef } from './publish.ts';
import { applyTreefileSettings, commitMetadataArgs } from './treefile-steps.ts';
import { nextVersion } from './version.ts';

export interface ComposeOptions {
  /** Repo to commit into (default: the treefile's ostree.repo). */
  repo?: string;
  /** .deb cache (default: ~/.cache/particle-os/debs). */
  cacheDir?: string;
  /** Where temporary build trees go (default: the OS temp dir). */
  workBase?: string;
  /** Also publish the ref into this archive-mode repo (static HTTP serving). */
  publish?: string;
}

export interface ComposeResult {
  repo: string;
  ref: string;
  commit: string;
  version: string;
  kernelVersion: string;
  packages: string[];
}

export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'particle-os', 'debs');
}

export async function composeTree(
  ctx: Context,
  tf: ResolvedTreefile,
  opts: ComposeOptions = {},
): Promise<ComposeResult> {
  const repo = opts.repo ?? tf.repo;
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const work = makeWorkDir(ctx, 'particle-os-compose', opts.workBase);
  const rootfs = join(work, 'rootfs');
  const packages = packageSet(tf.packages);

  await step(ctx, `bootstrap Debian ${tf.suite} (${packages.length} packages + deps)`, (sc) =>
    bootstrap(sc, { tf, packages, target: rootfs, cacheDir, work }),
  );

  const { kernelVersion } = await step(
    ctx,
    'apply treefile settings, make the tree OSTree-ready',
    async (sc) => {
      if (mountsBelow(rootfs).length > 0) throw new BuildError(`${rootfs} still has mounts`);
      await applyTreefileSettings(sc, tf, rootfs);
      return ostreeify(rootfs, { machineIdCompat: tf.machineidCompat });
    },
  );

  const result = await step(ctx, `commit ${tf.ref}`, async (sc) => {
    await ensureRepo(sc, repo, 'bare');
    const parent = await resolveRef(sc, repo, tf.ref);
    const previous = parent ? await commitMetadata(sc, repo, parent, 'version') : undefined;
    const version = nextVersion(tf.versionPrefix, new Date(), previous);
    const r = await run(sc, [
      'ostree',
      'commit',
      `--repo=${repo}`,
      `--branch=${tf.ref}`,
      `--tree=dir=${rootfs}`,
      '--bootable',
      `--subject=${tf.ref} ${version}`,
      `--add-metadata-string=version=${version}`,
      `--add-metadata-string=particle-os.treefile=${basename(tf.file)}`,
      ...commitMetadataArgs(tf),
    ]);
    return { repo, ref: tf.ref, commit: r.stdout.trim(), version, kernelVersion, packages };
  });
  if (opts.publish) {
    const to = opts.publish;
    await step(ctx, `publish ${tf.ref} to ${to}`, (sc) => publishRef(sc, repo, to, tf.ref));
  }
  return result;
}
