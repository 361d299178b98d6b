/**
 * `pipeline`: every stage in order — compose the treefile, package the commit as a bootc image,
 * build the disk, boot-test it — with all artifacts under one output directory.
 */
import { join } from 'node:path';
import { type ComposeResult, composeTree } from '../compose/index.ts';
import { buildContainer, type ContainerBuildResult } from '../container/index.ts';
import { type Context, stopwatch } from '../core/context.ts';
import { type BuildPlan, buildImage, type ImageType } from '../image/index.ts';
import type { Recipe } from '../recipe/schema.ts';
import type { ResolvedTreefile } from '../treefile/load.ts';
import { type BootTestResult, bootTest } from '../verify/boot-test.ts';
import { expectationsFromPlan } from '../verify/expectations.ts';
import { guestChecks } from '../verify/guest-checks.ts';
import type { Firmware } from '../vm/qemu.ts';

export interface PipelineOptions {
  treefile: ResolvedTreefile;
  recipe: Recipe;
  types: ImageType[];
  outputDir: string;
  cacheDir: string;
  debCacheDir: string;
  firmwares: Firmware[];
  timeoutSeconds: number;
  workBase?: string;
}

export interface PipelineResult {
  compose: ComposeResult & { seconds: number };
  container: ContainerBuildResult & { archive: string; seconds: number };
  image: BuildPlan & { seconds: number };
  bootTests: (BootTestResult & { seconds: number })[];
  passed: boolean;
}

export async function runPipeline(ctx: Context, o: PipelineOptions): Promise<PipelineResult> {
  const timed = async <T>(fn: () => Promise<T>): Promise<T & { seconds: number }> => {
    const elapsed = stopwatch();
    const r = await fn();
    return { ...r, seconds: elapsed() };
  };
  const repo = join(o.outputDir, 'repo');
  const compose = await timed(() =>
    composeTree(ctx, o.treefile, { repo, debCacheDir: o.debCacheDir, workBase: o.workBase }),
  );
  const archive = join(o.outputDir, `${o.recipe.name}.ociarchive`);
  const container = await timed(async () => ({
    ...(await buildContainer(ctx, {
      repo,
      ref: compose.ref,
      output: { transport: 'oci-archive', path: archive },
      workBase: o.workBase,
    })),
    archive,
  }));
  const image = await timed(() =>
    buildImage(ctx, {
      image: { transport: 'oci-archive', path: archive },
      recipe: o.recipe,
      types: o.types,
      outputDir: o.outputDir,
      cacheDir: o.cacheDir,
      workBase: o.workBase,
    }),
  );
  const disk = image.outputs.find((x) => x.type === 'qcow2') ?? image.outputs[0];
  const bootTests: PipelineResult['bootTests'] = [];
  for (const firmware of o.firmwares) {
    bootTests.push(
      await timed(() =>
        bootTest(ctx, {
          disk: disk?.file ?? '',
          firmware,
          timeoutSeconds: o.timeoutSeconds,
          checks: guestChecks(expectationsFromPlan(image)),
          serialLog: join(o.outputDir, `${o.recipe.name}.serial-${firmware}.log`),
        }),
      ),
    );
  }
  return { compose, container, image, bootTests, passed: bootTests.every((b) => b.passed) };
}
