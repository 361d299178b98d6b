/**
 * `install to-disk` (like `bootc install to-disk`): a bootc image onto a block device or an
 * existing disk image file, the root partition spanning the whole target.
 *  1. inspect the target (install-target.ts) and ask the image stage, in a dry run, how large
 *     a disk the image needs; planInstall (install-plan.ts) decides whether it may be written;
 *  2. build the raw disk at the target's size (whole MiB) in a work directory, with `build`'s
 *     own steps; nothing touches the target until the disk is complete;
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
import { type BuildPlan, buildImage, DiskTooSmallError } from '../image/index.ts';
import type { Recipe } from '../recipe/schema.ts';
import { planFileFor } from '../vm/build-plan.ts';
import { type InstallPlan, type InstallPlanInput, planInstall, writeArgv } from './install-plan.ts';
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

/**
 * Inspect the target and plan the install; reads the image (a dry run of the image stage) but
 * writes nothing. `install to-disk --dry-run` prints this; the install starts with it.
 */
export async function planInstallToDisk(
  ctx: Context,
  o: InstallOptions,
): Promise<{ plan: InstallPlan; input: InstallPlanInput }> {
  const target = await step(ctx, `inspect ${o.target}`, (sc) => inspectTarget(sc, o.target));
  // The target decides the size: a disk.size in the recipe does not apply (said, not ignored).
  const { size, ...disk } = o.recipe.disk;
  if (size !== undefined)
    ctx.reporter.warn(
      `${o.recipe.file}: disk.size ${size} does not apply to install to-disk: the disk takes the whole target`,
    );
  const estimate = await buildImage(ctx, {
    image: o.image,
    recipe: { ...o.recipe, disk },
    types: ['raw'],
    outputDir: dirname(target.path),
    cacheDir: o.cacheDir,
    workBase: o.workBase,
    targetImgref: o.targetImgref,
    dryRun: true,
  });
  const input: InstallPlanInput = {
    target,
    image: formatImageRef(o.image),
    recipe: o.recipe.name,
    minBytes: estimate.disk.minBytes,
    wipe: o.wipe,
  };
  return { plan: planInstall(input), input };
}

export async function installToDisk(ctx: Context, o: InstallOptions): Promise<InstallResult> {
  const elapsed = stopwatch();
  const { plan, input } = await planInstallToDisk(ctx, o);
  if (plan.refusal) throw new UsageError(plan.refusal);
  const path = plan.target.path;
  const outputDir = makeWorkDir(ctx, 'particle-os-install', o.workBase);
  let build: BuildPlan;
  try {
    build = await buildImage(ctx, {
      image: o.image,
      recipe: { ...o.recipe, disk: { ...o.recipe.disk, size: plan.diskBytes } },
      types: ['raw'],
      outputDir,
      cacheDir: o.cacheDir,
      workBase: o.workBase,
      targetImgref: o.targetImgref,
    });
  } catch (e) {
    // The dry run estimated the OS from its compressed layers; the build measured it.
    if (e instanceof DiskTooSmallError)
      throw new UsageError(
        `${path} is too small: ${plan.diskBytes / 2 ** 20} MiB, the unpacked image needs at least ${e.minBytes / 2 ** 20} MiB`,
      );
    throw e;
  }
  const raw = build.outputs[0]?.file;
  if (raw === undefined) throw new Error('the build wrote no raw disk');
  const writing = stopwatch();
  await step(ctx, `write the disk to ${path}`, async (sc) => {
    const now = planInstall({ ...input, target: await inspectTarget(sc, path) });
    if (now.refusal) throw new UsageError(now.refusal);
    if (now.target.bytes !== plan.target.bytes)
      throw new UsageError(`${path} changed size while the disk was built: nothing written`);
    if (plan.wipe && now.target.signatures.length > 0) await run(sc, ['wipefs', '--all', path]);
    await run(sc, writeArgv(raw, path, plan.target.kind));
    // The disk ends at a whole MiB; the backup GPT header belongs in the target's last sector.
    if (plan.target.bytes !== plan.diskBytes)
      await run(sc, ['sfdisk', '--relocate', 'gpt-bak-std', path]);
    if (plan.target.kind === 'block') await rereadPartitions(sc, path);
  });
  build.outputs = [{ type: 'raw', file: path, bytes: plan.diskBytes, seconds: writing() }];
  const planFile = plan.target.kind === 'file' ? writePlanNextTo(path, build) : undefined;
  return { plan, build, ...(planFile ? { planFile } : {}), seconds: elapsed() };
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
