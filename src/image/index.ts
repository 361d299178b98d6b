/**
 * `build` (the seed's `particle-os build --base-image IMAGE RECIPE`): a bootc image → a disk
 * that boots under BIOS and UEFI, in the requested formats, plus the build plan as JSON. The
 * orchestrator is the list of steps below (each in steps.ts, typed in and out); the plan is
 * data (plan.ts) that --dry-run prints and the build writes.
 */
import { join } from 'node:path';
import { type Context, type StepContext, type StepTiming, step } from '../core/context.ts';
import { UsageError } from '../core/errors.ts';
import { formatImageRef, type ImageRef } from '../core/image-ref.ts';
import { makeWorkDir } from '../core/workdir.ts';
import { parseTargetImage } from '../ostree/container.ts';
import type { Recipe } from '../recipe/schema.ts';
import { newDiskIds } from './disk-size.ts';
import type { FormatOptions, ImageType } from './formats.ts';
import {
  type BuildPlan,
  deploymentOf,
  kernelArgs,
  planImage,
  plannedGroups,
  plannedUsers,
} from './plan.ts';
import {
  assembleRaw,
  deployOs,
  deployTarget,
  estimatedOsBytes,
  installGrub,
  prepareTree,
  readSource,
  writeOutputs,
} from './steps.ts';

export { DiskTooSmallError } from './disk-size.ts';
export { IMAGE_TYPES, type ImageType } from './formats.ts';
export type { BuildPlan } from './plan.ts';

export interface BuildOptions {
  image: ImageRef;
  recipe: Recipe;
  types: ImageType[];
  outputDir: string;
  cacheDir: string;
  workBase?: string;
  /** Archive repo URL the installed system upgrades from (its origin names this remote). */
  updateUrl?: string;
  /** The image the installed system follows (bootc-image-builder's --target-imgref). */
  targetImgref?: string;
  formats?: FormatOptions;
  /** Only print the plan: nothing is unpacked or written. */
  dryRun?: boolean;
  /**
   * Called with the plan a dry run would return (sizes estimated) once the image is read and
   * before anything is unpacked; throwing stops the build there. install to-disk refuses a
   * target this way without reading the image a second time.
   */
  beforeBuild?: (estimate: BuildPlan) => void | Promise<void>;
}

export async function buildImage(ctx: Context, o: BuildOptions): Promise<BuildPlan> {
  if (o.types.length === 0) throw new UsageError('no output type given');
  const work = makeWorkDir(ctx, 'particle-os-build', o.workBase);
  const steps: StepTiming[] = [];
  const timed = <T>(name: string, fn: (sc: StepContext) => Promise<T>) =>
    step(ctx, name, fn, steps);
  const stage = join(work, 'sysroot');
  const bootStage = join(work, 'boot');
  const ids = newDiskIds();
  const updateUrl = o.updateUrl ?? o.recipe.update?.url;
  const targetRef = o.targetImgref ?? o.recipe.update?.image;
  const target = targetRef === undefined ? undefined : parseTargetImage(targetRef);
  if (target && updateUrl)
    throw new UsageError(
      'an installed system follows either an image (--target-imgref, update.image) or an OSTree remote (--update-url, update.url), not both',
    );

  const image = await timed(`read ${formatImageRef(o.image)}`, (sc) =>
    readSource(sc, o.image, work),
  );
  const planned = {
    source: o.image,
    manifestDigest: image.manifestDigest,
    labels: image.labels,
    recipe: o.recipe,
    types: o.types,
    outputDir: o.outputDir,
    updateUrl,
    target,
    ids,
  };
  // Nothing unpacked yet: sizes come from the compressed layers.
  const estimate = (): BuildPlan => ({
    ...planImage({
      ...planned,
      osBytes: estimatedOsBytes(image),
      commit: '(made at build time)',
      imageKargs: ['(kargs.d of the image)'],
      users: plannedUsers(o.recipe),
      groups: plannedGroups(o.recipe),
    }),
    estimated: true,
  });
  if (o.dryRun) return estimate();
  await o.beforeBuild?.(estimate());

  const tree = await timed('prepare the OS tree', (sc) =>
    prepareTree(sc, o.image, image, join(work, 'rootfs')),
  );
  const { ref } = deploymentOf(image.labels);
  const deployment = await timed(`deploy ${ref} into the sysroot`, (sc) =>
    deployOs(sc, {
      content: tree.content,
      stage,
      bootStage,
      labels: image.labels,
      kargs: kernelArgs(ids, tree.imageKargs, o.recipe),
      ids,
      recipe: o.recipe,
      updateUrl,
      target: target && deployTarget(image, target),
    }),
  );
  const boot = await timed('install GRUB (BIOS + UEFI, blscfg menu)', (sc) =>
    installGrub(sc, { cacheDir: o.cacheDir, bootStage, work, ids }),
  );
  const { plan, raw } = await timed('assemble disk', (sc) =>
    assembleRaw(sc, {
      plan: (osBytes) =>
        planImage({
          ...planned,
          osBytes,
          commit: deployment.commit,
          imageKargs: tree.imageKargs,
          users: deployment.users,
          groups: deployment.groups,
          autologin: deployment.autologin,
        }),
      stage,
      bootStage,
      boot,
      work,
      recipe: o.recipe,
      cacheDir: o.cacheDir,
      kernelVersion: deployment.kernelVersion,
    }),
  );
  await timed(`write ${o.types.join(', ')}`, (sc) =>
    writeOutputs(sc, {
      plan,
      raw,
      work,
      outputDir: o.outputDir,
      steps,
      recipe: o.recipe,
      formats: o.formats,
    }),
  );
  return plan;
}
