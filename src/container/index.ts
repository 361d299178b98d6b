/**
 * `container build` (the seed's `bootc build --repo DIR REF`): an OSTree commit → a bootc-style
 * OCI image. The tree keeps /etc at /etc (bootc rejects /usr/etc), carries /sysroot and the
 * /ostree link, one kernel in /usr/lib/modules, and the labels bootc tooling looks for.
 * The steps (steps.ts): check out the commit, write the layers, write the image.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type Context, step } from '../core/context.ts';
import { UsageError } from '../core/errors.ts';
import {
  absoluteImageRef,
  formatImageRef,
  type ImageRef,
  parseImageRef,
} from '../core/image-ref.ts';
import { makeWorkDir } from '../core/workdir.ts';
import { openImage, unpackLayers } from '../oci/read.ts';
import { MAX_LAYERS } from './chunking.ts';
import type { Compression } from './layer.ts';
import { type LintFinding, lintTree } from './lint.ts';
import { type ContainerBuildResult, checkOut, writeImage, writeLayers } from './steps.ts';

export type { ContainerBuildResult };

export interface ContainerBuildOptions {
  repo: string;
  ref: string;
  output: ImageRef;
  workBase?: string;
  /** Layers by package ownership, at most this many (1: one layer with everything). */
  maxLayers?: number;
  compression?: Compression;
  /** org.opencontainers.image.source (default: what compose recorded, if anything). */
  source?: string;
}

export async function buildContainer(
  ctx: Context,
  o: ContainerBuildOptions,
): Promise<ContainerBuildResult> {
  if (!existsSync(join(o.repo, 'config'))) throw new UsageError(`no OSTree repo at ${o.repo}`);
  const work = makeWorkDir(ctx, 'particle-os-container', o.workBase);
  const tree = join(work, 'tree');
  const commit = await checkOut(ctx, o.repo, o.ref, tree);
  const layers = await writeLayers(ctx, tree, work, {
    maxLayers: o.maxLayers ?? MAX_LAYERS,
    compression: o.compression ?? 'gzip',
  });
  return writeImage(ctx, work, { commit, layers, ref: o.ref, output: o.output, source: o.source });
}

export interface LintResult {
  target: string;
  findings: LintFinding[];
  fatal: number;
  warnings: number;
}

/** Lint an unpacked root filesystem directory, or an image (unpacked into a temp dir first). */
export async function lintImage(
  ctx: Context,
  target: string,
  workBase?: string,
): Promise<LintResult> {
  let root = target;
  const isTree =
    existsSync(target) && statSync(target).isDirectory() && !existsSync(join(target, 'oci-layout'));
  if (!isTree) {
    const ref = absoluteImageRef(
      existsSync(target)
        ? { transport: 'oci', path: target, tag: 'latest' }
        : parseImageRef(target),
    );
    const work = makeWorkDir(ctx, 'particle-os-lint', workBase);
    root = join(work, 'rootfs');
    await step(ctx, `unpack ${formatImageRef(ref)}`, async (sc) => {
      const image = await openImage(sc, ref, work);
      await unpackLayers(sc, image, root);
    });
  }
  const findings = lintTree(root);
  return {
    target,
    findings,
    fatal: findings.filter((f) => f.level === 'fatal').length,
    warnings: findings.filter((f) => f.level === 'warning').length,
  };
}
