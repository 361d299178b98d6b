/**
 * The steps of `compose tree`, in order: checkForChanges (resolve the package set, plan),
 * installPackages (install.ts), customize, makeOstreeReady, commitTree, publish. Each takes and
 * returns typed data; index.ts strings them together.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { type Context, type StepContext, step } from '../core/context.ts';
import { BuildError, InputError } from '../core/errors.ts';
import { run } from '../core/run.ts';
import { mountsBelow } from '../core/workdir.ts';
import { commitMetadata, ensureRepo, resolveRef } from '../ostree/repo.ts';
import type { ResolvedTreefile } from '../treefile/load.ts';
import { isQualified } from '../treefile/packages.ts';
import { interpreterIssues } from '../treefile/scripts.ts';
import { aptSkeleton, skeletonAptOptions, skeletonDir, skeletonSources } from './apt-skeleton.ts';
import { installsLocalesAll, requestedKernel } from './base-packages.ts';
import { customizeTree } from './customize.ts';
import { archiveState } from './input-hash.ts';
import type { Installed } from './install.ts';
import { checkLocalesSupported } from './locales.ts';
import { type LockedPackage, type Lockfile, writeLockfile } from './lockfile.ts';
import { ostreeify } from './ostreeify.ts';
import { gvariantStrings, installedPackages } from './package-list.ts';
import { type ComposePlan, planCompose } from './plan.ts';
import { publishRef } from './publish.ts';
import { resolveInSkeleton } from './resolve.ts';
import { saveInitramfs } from './tree-cache.ts';
import { applyTreefileSettings, commitMetadataArgs } from './treefile-steps.ts';
import { nextVersion } from './version.ts';

/** Commit metadata keys compose writes (and reads back from the parent). */
export const META = {
  inputHash: 'particle-os.inputhash',
  archiveState: 'particle-os.archive-state',
  packages: 'particle-os.packages',
  treefile: 'particle-os.treefile',
  /** Where the treefile came from (its git remote): the image's org.opencontainers.image.source. */
  source: 'particle-os.source',
} as const;

/** What every step of one compose shares. */
export interface ComposeInput {
  tf: ResolvedTreefile;
  repo: string;
  debCacheDir: string;
  cacheRoot: string;
  /** SOURCE_DATE_EPOCH, if set: the commit's timestamp and version date. */
  epoch?: number;
  /** treefileDigest(tf). */
  treefileDigest: string;
  lock?: Lockfile;
  force: boolean;
  /** Write the resolved versions here. */
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

export type ChangeCheck =
  | { unchanged: true; parent: string }
  | { unchanged: false; plan: ComposePlan };

/**
 * The ref's commit and whether it already has these inputs. Fast path first: the same treefile
 * against the same archive state resolves to the same package set, so equal archive states mean
 * "no changes" without resolving. Otherwise the package set is resolved and planned.
 */
export function checkForChanges(ctx: Context, i: ComposeInput): Promise<ChangeCheck> {
  return step(ctx, `check ${i.tf.ref} for changes`, async (sc): Promise<ChangeCheck> => {
    const parent = await refCommit(sc, i.repo, i.tf.ref);
    const skeleton = skeletonDir(i.cacheRoot, i.tf);
    const state =
      existsSync(skeleton) && !i.lock
        ? await archiveState(i.treefileDigest, skeletonSources(skeleton), sc.signal)
        : undefined;
    if (
      !i.force &&
      !i.writeLockfile &&
      parent &&
      state &&
      state === (await commitMetadata(sc, i.repo, parent, META.archiveState))
    )
      return { unchanged: true, parent };
    const plan = await resolvePlan(sc, i, parent, state);
    return plan.unchanged && parent ? { unchanged: true, parent } : { unchanged: false, plan };
  });
}

/**
 * Resolve the package set in the cached apt skeleton (made on first use) and plan the commit;
 * writes the lockfile when asked. `state` is the archive state when already known.
 */
export async function resolvePlan(
  sc: StepContext,
  i: ComposeInput,
  parent: string | undefined,
  state?: string,
): Promise<ComposePlan> {
  const skeleton = await aptSkeleton(sc, i.tf, i.cacheRoot);
  const archive =
    state ?? (await archiveState(i.treefileDigest, skeletonSources(skeleton), sc.signal));
  const resolved = await resolveInSkeleton(sc, i.tf, skeleton, i.lock?.packages);
  checkInterpreters(i, resolved.packages);
  await checkLocalesSupported(
    sc,
    i.tf,
    skeleton,
    skeletonAptOptions(skeleton, i.tf),
    resolved.packages,
  );
  if (i.writeLockfile) writeLockfile(i.writeLockfile, i.tf, resolved.packages);
  return planCompose({
    repo: i.repo,
    request: {
      kernel: requestedKernel(i.tf),
      flavour: i.tf.kernelFlavour,
      pinned: i.tf.packages.filter(isQualified),
    },
    resolved,
    locked: !!i.lock,
    treefileDigest: i.treefileDigest,
    archiveState: archive,
    parent: parent
      ? { commit: parent, inputHash: await commitMetadata(sc, i.repo, parent, META.inputHash) }
      : undefined,
    force: i.force,
    locales: i.tf.locales && {
      names: i.tf.locales,
      from: installsLocalesAll(i.tf.packages) ? 'locales-all' : 'locale-gen',
    },
  });
}

/**
 * Each postprocess script's #! interpreter must come with a package of the resolved set (the
 * lockfile's with --lockfile): the treefile check only saw what is listed, and a lockfile may
 * predate a package the treefile now lists. Refused before anything is installed or written.
 */
function checkInterpreters(i: ComposeInput, packages: readonly LockedPackage[]): void {
  const names = new Set(packages.map((p) => p.name));
  const { errors } = i.lock
    ? interpreterIssues(
        i.tf.scriptSites,
        names,
        'in the lockfile’s package set',
        (p) => `write the lockfile again (--write-lockfile) with ${p} in packages`,
      )
    : interpreterIssues(i.tf.scriptSites, names, 'in the resolved package set');
  if (errors.length) throw new InputError(errors);
}

/** The ref's commit in `repo`, if the repo and the ref exist. */
export async function refCommit(
  sc: StepContext,
  repo: string,
  ref: string,
): Promise<string | undefined> {
  return existsSync(join(repo, 'config')) ? resolveRef(sc, repo, ref) : undefined;
}

/** The result for an unchanged ref: its current commit, as compose would have made it. */
export function readUnchanged(
  ctx: Context,
  i: ComposeInput,
  parent: string,
): Promise<ComposeResult> {
  ctx.reporter.info(`no changes: ${i.tf.ref} is already ${parent}`);
  return step(ctx, `read ${i.tf.ref}`, async (sc) => ({
    repo: i.repo,
    ref: i.tf.ref,
    commit: parent,
    version: (await commitMetadata(sc, i.repo, parent, 'version')) ?? '',
    unchanged: true,
    inputHash: await commitMetadata(sc, i.repo, parent, META.inputHash),
    packages: [],
  }));
}

/**
 * Locales, add-files, postprocess scripts, the initramfs (reused when its recipe did not
 * change).
 */
export function customize(
  ctx: Context,
  tf: ResolvedTreefile,
  rootfs: string,
  installed: Installed,
): Promise<void> {
  const what = `${tf.locales?.length ? 'generate locales, ' : ''}add files, run postprocess scripts, build the initramfs`;
  return step(ctx, what, async (sc) => {
    const c = await customizeTree(sc, tf, rootfs, installed.initramfs);
    if (c.reused) ctx.reporter.info('initramfs unchanged: reused from the cached tree');
    if (!c.reused) saveInitramfs(installed.cached, c.recipe, c.initramfs);
  });
}

export interface OstreeReady {
  kernelVersion: string;
  /** The commit's version (already in os-release when the treefile says mutate-os-release). */
  version: string;
  /** Installed package names and versions, for the commit's particle-os.packages. */
  installed: string[];
}

/**
 * The commit's version, then units, directories, remove-files, kargs and os-release from the
 * treefile; then the OSTree layout. The version is decided here, before the commit, because
 * mutate-os-release writes it into the tree.
 */
export function makeOstreeReady(
  ctx: Context,
  i: ComposeInput,
  plan: ComposePlan,
  rootfs: string,
): Promise<OstreeReady> {
  const { tf } = i;
  return step(ctx, 'apply treefile settings, make the tree OSTree-ready', async (sc) => {
    if (mountsBelow(rootfs).length > 0) throw new BuildError(`${rootfs} still has mounts`);
    const version = await commitVersion(sc, i, plan);
    await applyTreefileSettings(sc, tf, rootfs, version);
    const o = ostreeify(rootfs, { machineIdCompat: tf.machineidCompat });
    return {
      kernelVersion: o.kernelVersion,
      version,
      installed: await installedPackages(sc, rootfs),
    };
  });
}

/** The next version on the ref: counted on from the parent's (the repo lock keeps it the parent). */
async function commitVersion(sc: StepContext, i: ComposeInput, plan: ComposePlan): Promise<string> {
  const previous = plan.parent
    ? await commitMetadata(sc, i.repo, plan.parent, 'version')
    : undefined;
  return nextVersion(i.tf.versionPrefix, i.epoch ? new Date(i.epoch * 1000) : new Date(), previous);
}

/** `ostree commit` of the tree onto the ref, with the plan's metadata; the next version. */
export function commitTree(
  ctx: Context,
  i: ComposeInput,
  plan: ComposePlan,
  rootfs: string,
  ready: OstreeReady,
): Promise<ComposeResult> {
  const { tf, repo } = i;
  return step(ctx, `commit ${tf.ref}`, async (sc) => {
    await ensureRepo(sc, repo, 'bare');
    const source = await gitRemote(sc, dirname(tf.file));
    const { version } = ready;
    const r = await run(sc, [
      'ostree',
      'commit',
      `--repo=${repo}`,
      `--branch=${tf.ref}`,
      `--tree=dir=${rootfs}`,
      '--bootable',
      `--subject=${tf.ref} ${version}`,
      ...(i.epoch ? [`--timestamp=@${i.epoch}`] : []),
      `--add-metadata-string=version=${version}`,
      `--add-metadata-string=${META.treefile}=${basename(tf.file)}`,
      `--add-metadata-string=${META.inputHash}=${plan.inputHash}`,
      ...(plan.archiveState
        ? [`--add-metadata-string=${META.archiveState}=${plan.archiveState}`]
        : []),
      `--add-metadata=${META.packages}=${gvariantStrings(ready.installed)}`,
      ...(source ? [`--add-metadata-string=${META.source}=${source}`] : []),
      ...commitMetadataArgs(tf),
    ]);
    return {
      repo,
      ref: tf.ref,
      commit: r.stdout.trim(),
      version,
      unchanged: false,
      inputHash: plan.inputHash,
      kernelVersion: ready.kernelVersion,
      packages: ready.installed,
    };
  });
}

/** Pull the ref into an archive-mode repo served over HTTP, and update its summary. */
export function publish(ctx: Context, repo: string, to: string, ref: string): Promise<void> {
  return step(ctx, `publish ${ref} to ${to}`, (sc) => publishRef(sc, repo, to, ref));
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
