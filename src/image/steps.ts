/**
 * The steps of `build`, in order (index.ts runs them, each as one logged step):
 *  1. readSource: the OCI image's manifest and labels, or the OSTree commit's metadata;
 *  2. prepareTree: the layers unpacked into a root filesystem (or the commit named as it is),
 *     and the image's kargs.d;
 *  3. deployOs: `ostree admin deploy` into a staging sysroot, the recipe applied to its /etc and
 *     /var, /boot split off;
 *  4. installGrub: GRUB 2.14 for BIOS and UEFI with a static blscfg menu;
 *  5. assembleRaw: the plan's partition table, filled without loop devices;
 *  6. writeOutputs: the requested formats and the plan, moved into the output directory.
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type StepContext, type StepTiming, stopwatch } from '../core/context.ts';
import { UsageError } from '../core/errors.ts';
import type { ImageRef } from '../core/image-ref.ts';
import { run } from '../core/run.ts';
import { Tree } from '../core/tree.ts';
import { publish } from '../core/workdir.ts';
import { blobFile } from '../oci/descriptor.ts';
import { type OciImage, openImage, unpackLayers } from '../oci/read.ts';
import type { TargetImage } from '../ostree/container.ts';
import { readImageKargs } from '../ostree/kargs.ts';
import { DEFAULT_SIZES, type Recipe } from '../recipe/schema.ts';
import { assembleDisk } from './assemble.ts';
import { type CustomizeResult, customizeDeployment } from './customize.ts';
import type { DiskIds } from './disk-size.ts';
import { convertArgv, type FormatOptions, type ImageType } from './formats.ts';
import { fsTools as fetchFsTools } from './fs-tools.ts';
import {
  efiEarlyCfg,
  grubCfg,
  grubModules,
  installModules,
  mkimageBios,
  mkimageEfi,
} from './grub.ts';
import { readCommitKargs, readOstreeSource } from './ostree-source.ts';
import { type BuildPlan, deploymentOf } from './plan.ts';
import {
  type Deployment,
  deploy,
  fstab,
  type DeployInput as SysrootDeploy,
  splitBoot,
} from './sysroot.ts';

type DeployTarget = NonNullable<SysrootDeploy['target']>;

/**
 * What a system that follows `image` needs from the source: its manifest digest and its layer
 * blobs (already verified when the layout was opened). An OSTree source has no layers.
 */
export function deployTarget(s: Source, image: TargetImage): DeployTarget {
  if ('commit' in s)
    throw new UsageError(
      '--target-imgref (update.image) needs an image source (--base-image), not --repo/--ref',
    );
  return {
    image,
    manifestDigest: s.manifestDigest,
    layers: s.layers.map((l) => {
      const file = blobFile(s.layout, l.digest);
      if (!file) throw new UsageError(`layer digest ${l.digest} is not sha256:<hex>`);
      return { digest: l.digest, file };
    }),
  };
}

/** An OCI image (its layout, manifest and layers), or an OSTree commit taken as it is. */
export type Source =
  | OciImage
  | {
      manifestDigest: string;
      labels: Record<string, string>;
      commit: string;
      /** Sum of the file sizes in the commit. */
      bytes: number;
    };

/** Rough uncompressed/compressed ratio of an OS layer, for --dry-run sizing. */
const LAYER_EXPANSION = 2.6;

export async function readSource(sc: StepContext, ref: ImageRef, work: string): Promise<Source> {
  if (ref.transport !== 'ostree') return openImage(sc, ref, work);
  const info = await readOstreeSource(sc, ref.path, ref.ref);
  return {
    manifestDigest: info.commit,
    labels: info.labels,
    commit: info.commit,
    bytes: info.bytes,
  };
}

/** What the OS will take on disk, before anything is unpacked (bytes). */
export function estimatedOsBytes(s: Source): number {
  return 'commit' in s ? s.bytes : s.layers.reduce((n, l) => n + l.size, 0) * LAYER_EXPANSION;
}

export interface PreparedTree {
  content: { rootfs: string } | { repo: string; commit: string };
  /** Arguments from the image's /usr/lib/bootc/kargs.d. */
  imageKargs: string[];
}

export async function prepareTree(
  sc: StepContext,
  ref: ImageRef,
  s: Source,
  rootfs: string,
): Promise<PreparedTree> {
  if ('commit' in s) {
    return {
      content: { repo: ref.path, commit: s.commit },
      imageKargs: await readCommitKargs(sc, ref.path, s.commit),
    };
  }
  await unpackLayers(sc, s, rootfs);
  return { content: { rootfs }, imageKargs: readImageKargs(new Tree(rootfs)) };
}

export interface DeployInput {
  content: PreparedTree['content'];
  stage: string;
  bootStage: string;
  labels: Record<string, string>;
  kargs: string[];
  ids: DiskIds;
  recipe: Recipe;
  updateUrl?: string;
  target?: DeployTarget;
}

export async function deployOs(
  sc: StepContext,
  i: DeployInput,
): Promise<Deployment & CustomizeResult> {
  const { ref, version, timestamp } = deploymentOf(i.labels);
  const d = await deploy(sc, {
    content: i.content,
    stage: i.stage,
    ref,
    version,
    kargs: i.kargs,
    timestamp,
    fstab: fstab(i.ids.root, i.ids.boot, i.recipe.disk.rootfs),
    updateUrl: i.updateUrl,
    target: i.target,
  });
  const custom = await customizeDeployment(sc, d.dir, d.stateVar, i.recipe);
  splitBoot(i.stage, i.bootStage);
  return { ...d, ...custom };
}

export interface BootFiles {
  /** GRUB's BIOS core.img, for the BIOS-boot partition. */
  core: string;
  /** GRUB's EFI binary, for \EFI\BOOT\BOOTX64.EFI. */
  efi: string;
  /** GRUB's boot.img, for the protective MBR. */
  bootImg: string;
}

export async function installGrub(
  sc: StepContext,
  i: { cacheDir: string; bootStage: string; work: string; ids: DiskIds },
): Promise<BootFiles> {
  const modules = await grubModules(sc, i.cacheDir);
  installModules(modules, i.bootStage);
  writeFileSync(join(i.bootStage, 'grub/grub.cfg'), grubCfg(1));
  const core = join(i.work, 'core.img');
  await mkimageBios(sc, modules, core, 3);
  const early = join(i.work, 'early.cfg');
  writeFileSync(early, efiEarlyCfg(i.ids.boot));
  const efi = join(i.work, 'BOOTX64.EFI');
  await mkimageEfi(sc, modules, efi, early);
  return { core, efi, bootImg: join(modules, 'i386-pc/boot.img') };
}

export interface AssembleInput {
  /** The plan for the measured OS size (bytes). */
  plan: (osBytes: number) => BuildPlan;
  stage: string;
  bootStage: string;
  boot: BootFiles;
  work: string;
  recipe: Recipe;
  cacheDir: string;
  kernelVersion: string;
}

/** Measure the staged OS, plan the disk for it and fill a raw image; returns both. */
export async function assembleRaw(
  sc: StepContext,
  i: AssembleInput,
): Promise<{ plan: BuildPlan; raw: string }> {
  const bootUsed = await duBytes(sc, i.bootStage);
  if (bootUsed * 2.5 > DEFAULT_SIZES.bootBytes) {
    throw new UsageError(
      `/boot content (${Math.round(bootUsed / 2 ** 20)} MiB) leaves no room for a second deployment`,
    );
  }
  const plan = i.plan(await duBytes(sc, i.stage));
  const rootFs = i.recipe.disk.rootfs;
  const fsTools = rootFs === 'ext4' ? undefined : await fetchFsTools(sc, i.cacheDir);
  const raw = join(i.work, `${i.recipe.name}.raw`);
  await assembleDisk(sc, {
    disk: raw,
    diskBytes: plan.disk.bytes,
    diskGuid: plan.disk.guid,
    partitions: plan.disk.partitions,
    rootStage: i.stage,
    bootStage: i.bootStage,
    espFiles: { 'EFI/BOOT/BOOTX64.EFI': i.boot.efi },
    biosBootImg: i.boot.bootImg,
    biosCoreImg: i.boot.core,
    work: i.work,
    fsTools,
    kernelVersion: i.kernelVersion,
  });
  return { plan, raw };
}

/**
 * Convert the raw image to every requested format, then move them and the plan into the
 * output directory (each only once complete). Fills in the plan's outputs and step timings.
 */
export async function writeOutputs(
  sc: StepContext,
  i: {
    plan: BuildPlan;
    raw: string;
    work: string;
    outputDir: string;
    steps: StepTiming[];
    recipe: Recipe;
    formats?: FormatOptions;
  },
): Promise<void> {
  mkdirSync(i.outputDir, { recursive: true });
  const staged: { type: ImageType; tmp: string; file: string; seconds: number }[] = [];
  for (const { type, file } of i.plan.outputs) {
    const tmp = join(i.work, `out.${type}`);
    const elapsed = stopwatch();
    await run(sc, convertArgv(type, i.raw, tmp, i.formats));
    staged.push({ type, tmp, file, seconds: elapsed() });
  }
  i.plan.outputs = [];
  for (const s of staged) {
    publish(s.tmp, s.file);
    const bytes = statSync(s.file).blocks * 512;
    i.plan.outputs.push({ type: s.type, file: s.file, bytes, seconds: s.seconds });
  }
  i.plan.steps = i.steps;
  const planFile = join(i.outputDir, `${i.recipe.name}.plan.json`);
  writeFileSync(`${planFile}.tmp`, `${JSON.stringify(i.plan, null, 2)}\n`);
  publish(`${planFile}.tmp`, planFile);
}

/** Bytes a directory tree takes on disk (du), 0 when it does not exist. */
export async function duBytes(sc: StepContext, dir: string): Promise<number> {
  if (!existsSync(dir)) return 0;
  const r = await run(sc, ['du', '--summarize', '--block-size=1', dir]);
  return Number.parseInt(r.stdout.split(/\s/)[0] ?? '0', 10);
}
