/**
 * `install to-disk` (like `bootc install to-disk`): a bootc image onto a block device or an
 * existing disk image file, the root partition spanning the whole target.
 *  1. inspect the target (install-target.ts);
 *  2. build the raw disk at the target's size (whole MiB) in a work directory, with `build`'s
 *     own steps. Once the image is read, its estimated size and the target go through
 *     planInstall (install-plan.ts), which may refuse before anything is unpacked; nothing
 *     touches the target until the disk is complete;
 *  3. inspect the target again (minutes went by), then wipe its signatures (`--wipe`), write the
 *     disk onto it with qemu-img, move the backup GPT header to its very end when the target is
 *     not a whole number of MiB, and have the kernel re-read a device's partition table.
 * A regular file gets the build plan next to it (`<name>.plan.json`), so boot-test and run find
 * their expectations; a block device gets nothing else.
 */
import { writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Context, type StepContext, step, stopwatch } from '../core/context.ts';
import { UsageError } from '../core/errors.ts';
import { formatImageRef, type ImageRef } from '../core/image-ref.ts';
import { run } from '../core/run.ts';
import { makeWorkDir, publish } from '../core/workdir.ts';
import {
  type BuildOptions,
  type BuildPlan,
  buildImage,
  DiskTooSmallError,
} from '../image/index.ts';
import type { Recipe } from '../recipe/schema.ts';
import { planFileFor } from '../vm/build-plan.ts';
import {
  diskBytesFor,
  type InstallPlan,
  planInstall,
  type TargetInfo,
  writeArgv,
} from './install-plan.ts';
import { inspectTarget } from './install-target.ts';

export interface InstallOptions {
  /** The device or file as given on the command line. */
  target: string;
  image: ImageRef;
  recipe: Recipe;
  /** Overwrite partition tables and filesystems found on the target. */
  wipe: boolean;
  cacheDir: string;
  workBase?: string;
  /** The image the installed system follows (`build --target-imgref`). */
  targetImgref?: string;
}

export interface InstallResult {
  plan: InstallPlan;
  /** The plan of the disk written; its one output is the target. */
  build: BuildPlan;
  /** Where the build plan was written (regular-file targets only). */
  planFile?: string;
  seconds: number;
}

/** The install plan for `target` and an image needing `minBytes`. */
function planFor(o: InstallOptions, target: TargetInfo, minBytes: number): InstallPlan {
  return planInstall({
    target,
    image: formatImageRef(o.image),
    recipe: o.recipe.name,
    minBytes,
    wipe: o.wipe,
  });
}

/** The recipe with the disk the target decides; a disk.size of its own does not apply (said). */
function recipeFor(ctx: Context, recipe: Recipe, diskBytes?: number): Recipe {
  const { size, ...disk } = recipe.disk;
  if (size !== undefined)
    ctx.reporter.warn(
      `${recipe.file}: disk.size ${size} does not apply to install to-disk: the disk takes the whole target`,
    );
  return { ...recipe, disk: diskBytes === undefined ? disk : { ...disk, size: diskBytes } };
}

function buildOptions(o: InstallOptions, recipe: Recipe, outputDir: string): BuildOptions {
  return {
    image: o.image,
    recipe,
    types: ['raw'],
    outputDir,
    cacheDir: o.cacheDir,
    workBase: o.workBase,
    targetImgref: o.targetImgref,
  };
}

/**
 * Inspect the target and plan the install; reads the image (a dry run of the image stage) but
 * writes nothing. `install to-disk --dry-run` prints this.
 */
export async function planInstallToDisk(ctx: Context, o: InstallOptions): Promise<InstallPlan> {
  const target = await step(ctx, `inspect ${o.target}`, (sc) => inspectTarget(sc, o.target));
  const estimate = await buildImage(ctx, {
    ...buildOptions(o, recipeFor(ctx, o.recipe), dirname(target.path)),
    dryRun: true,
  });
  return planFor(o, target, estimate.disk.minBytes);
}

export async function installToDisk(ctx: Context, o: InstallOptions): Promise<InstallResult> {
  const elapsed = stopwatch();
  const target = await step(ctx, `inspect ${o.target}`, (sc) => inspectTarget(sc, o.target));
  const diskBytes = diskBytesFor(target.bytes);
  const outputDir = makeWorkDir(ctx, 'particle-os-install', o.workBase);
  // The image is read once: the build's own estimate decides, before anything is unpacked.
  let plan: InstallPlan | undefined;
  const decide = (minBytes: number): InstallPlan => {
    const p = planFor(o, target, minBytes);
    if (p.refusal) throw new UsageError(p.refusal);
    return p;
  };
  let build: BuildPlan;
  try {
    build = await buildImage(ctx, {
      ...buildOptions(o, recipeFor(ctx, o.recipe, diskBytes), outputDir),
      beforeBuild: (estimate) => {
        plan = decide(estimate.disk.minBytes);
      },
    });
  } catch (e) {
    if (!(e instanceof DiskTooSmallError)) throw e;
    // Too small by the estimate already: refuse with every reason, as the dry run would.
    if (plan === undefined) decide(e.minBytes);
    // The estimate came from the compressed layers; the build measured the unpacked OS.
    throw new UsageError(
      `${target.path} is too small: ${diskBytes / 2 ** 20} MiB, the unpacked image needs at least ${e.minBytes / 2 ** 20} MiB`,
    );
  }
  if (plan === undefined) throw new Error('the build ran without its install check');
  const done = plan;
  const path = done.target.path;
  const raw = build.outputs[0]?.file;
  if (raw === undefined) throw new Error('the build wrote no raw disk');
  const writing = stopwatch();
  await step(ctx, `write the disk to ${path}`, async (sc) => {
    const now = planFor(o, await inspectTarget(sc, path), done.minBytes);
    if (now.refusal) throw new UsageError(now.refusal);
    if (now.target.bytes !== done.target.bytes)
      throw new UsageError(`${path} changed size while the disk was built: nothing written`);
    if (done.wipe && now.target.signatures.length > 0) await run(sc, ['wipefs', '--all', path]);
    await run(sc, writeArgv(raw, path, done.target.kind));
    // The disk ends at a whole MiB; the backup GPT header belongs in the target's last sector.
    if (done.target.bytes !== done.diskBytes)
      await run(sc, ['sfdisk', '--relocate', 'gpt-bak-std', path]);
    if (done.target.kind === 'block') await rereadPartitions(sc, path);
  });
  build.outputs = [{ type: 'raw', file: path, bytes: done.diskBytes, seconds: writing() }];
  const planFile = done.target.kind === 'file' ? writePlanNextTo(path, build) : undefined;
  return { plan: done, build, ...(planFile ? { planFile } : {}), seconds: elapsed() };
}

/**
 * The kernel keeps the partitions it read before the write until told otherwise. The disk is
 * written either way, so a device that refuses (EBUSY) is only a warning.
 */
async function rereadPartitions(sc: StepContext, path: string): Promise<void> {
  const r = await run(sc, ['blockdev', '--rereadpt', path], { okCodes: [0, 1] });
  if (r.code !== 0)
    sc.reporter.warn(
      `the kernel did not re-read the partition table of ${path} (${r.stderr.trim()}); partprobe ${path} or replug it`,
    );
}

function writePlanNextTo(disk: string, plan: BuildPlan): string {
  const file = planFileFor(disk);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(plan, null, 2)}\n`);
  publish(`${file}.tmp`, file);
  return file;
}
