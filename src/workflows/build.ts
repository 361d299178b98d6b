/**
 * `build`: the disk images of a bootc image (image stage) and, with type iso, the installer
 * ISO (installer-iso.ts) from the same image and recipe. Checks first what neither would do
 * with what it was given: the recipe's installer key without an ISO (a warning), and an ISO
 * from an OSTree repo, as a dry run, or with an OSTree remote to follow (refused); then that
 * the host has the tools (host-tools.ts).
 */
import type { Context } from '../core/context.ts';
import { UsageError } from '../core/errors.ts';
import { requireTools } from '../core/host-tools.ts';
import type { ImageRef } from '../core/image-ref.ts';
import { type BuildOptions, type BuildPlan, buildImage, type ImageType } from '../image/index.ts';
import { buildInstallerIso, type IsoResult } from './installer-iso.ts';

export interface BuildAllOptions extends Omit<BuildOptions, 'types' | 'image'> {
  image: ImageRef;
  disks: ImageType[];
  iso: boolean;
  debCacheDir: string;
}

export interface BuildAllResult {
  /** The disk images' plan (absent when only the ISO was asked for). */
  disks?: BuildPlan;
  iso?: IsoResult;
}

export async function buildAll(ctx: Context, o: BuildAllOptions): Promise<BuildAllResult> {
  const { disks, iso, debCacheDir, ...common } = o;
  if (o.recipe.installer && !iso)
    ctx.reporter.warn(
      `${o.recipe.file}: installer applies to the installer ISO (--type iso) only; it does nothing for ${disks.join(', ')}`,
    );
  if (iso) {
    const refused = [
      o.image.transport === 'ostree' &&
        '--repo/--ref (the ISO carries a bootc image: --base-image)',
      o.dryRun && '--dry-run',
      o.updateUrl && '--update-url (the installed system follows the image: --target-imgref)',
      disks.length === 0 && o.formats?.vmdkSubformat && '--vmdk-subformat without a vmdk',
      disks.length === 0 && o.formats?.qcow2Compress && '--qcow2-compress without a qcow2',
    ].filter((r): r is string => typeof r === 'string');
    if (refused.length)
      throw new UsageError(`build --type iso does not take ${refused.join(', ')}`);
  }
  // After the flags: a wrong flag is a usage error on a host that lacks the ISO tools too.
  requireTools(iso ? ['build', 'iso'] : ['build']);
  const result: BuildAllResult = {};
  if (disks.length > 0) result.disks = await buildImage(ctx, { ...common, types: disks });
  if (iso)
    result.iso = await buildInstallerIso(ctx, {
      image: o.image,
      recipe: o.recipe,
      outputDir: o.outputDir,
      cacheDir: o.cacheDir,
      debCacheDir,
      workBase: o.workBase,
      targetImgref: o.targetImgref,
    });
  return result;
}
