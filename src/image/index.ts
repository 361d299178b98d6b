/**
 * `build` (the seed's `particle-os build --base-image IMAGE RECIPE`): a bootc image → a disk
 * that boots under BIOS and UEFI, in the requested formats, plus the build plan as JSON.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Context, step } from '../core/context.ts';
import { UsageError } from '../core/errors.ts';
import type { ImageRef } from '../core/image-ref.ts';
import { run } from '../core/run.ts';
import { makeWorkDir, publish } from '../core/workdir.ts';
import { assembleDisk } from './assemble.ts';
import { convertArgv, type FormatOptions, type ImageType } from './formats.ts';
import {
  efiEarlyCfg,
  grubCfg,
  grubModules,
  installModules,
  mkimageBios,
  mkimageEfi,
} from './grub.ts';
import { readImageKargs } from './kargs.ts';
import { openImage, unpackLayers } from './oci-input.ts';
import {
  DEFAULT_SIZES,
  minimumDiskBytes,
  type PartitionPlan,
  planPartitions,
} from './partitions.ts';
import { parseSize, type Recipe } from './recipe.ts';
import { deploy, fstab, splitBoot, UPDATE_REMOTE } from './sysroot.ts';

export { IMAGE_TYPES, type ImageType } from './formats.ts';

export interface BuildOptions {
  image: ImageRef;
  recipe: Recipe;
  types: ImageType[];
  outputDir: string;
  cacheDir: string;
  workBase?: string;
  /** Archive repo URL the installed system upgrades from (its origin names this remote). */
  updateUrl?: string;
  formats?: FormatOptions;
}

export interface BuildPlan {
  recipe: string;
  image: { ref: string; manifestDigest: string; labels: Record<string, string> };
  disk: { bytes: number; guid: string; partitions: PartitionPlan[] };
  bootloader: { bios: string; uefi: string; menu: string };
  deployment: { os: string; ref: string; commit: string; version?: string; kargs: string[] };
  update?: { remote: string; url: string; refspec: string };
  hostname?: string;
  outputs: { type: ImageType; file: string; bytes: number }[];
}

export async function buildImage(ctx: Context, o: BuildOptions): Promise<BuildPlan> {
  if (o.types.length === 0) throw new UsageError('no output type given');
  const work = makeWorkDir(ctx, 'particle-os-build', o.workBase);
  const rootfs = join(work, 'rootfs');
  const stage = join(work, 'sysroot');
  const bootStage = join(work, 'boot');

  const image = await step(ctx, 'unpack image', async (sc) => {
    const img = await openImage(sc, o.image, work);
    await unpackLayers(sc, img, rootfs);
    return img;
  });

  const uuids = { root: randomUUID(), boot: randomUUID(), disk: randomUUID().toUpperCase() };
  const espVolumeId = randomUUID().slice(0, 8).toUpperCase();
  const ref = validRef(image.labels['org.opencontainers.image.title']) ?? 'particle-os/image';
  const version = image.labels['org.opencontainers.image.version'];
  const created = image.labels['org.opencontainers.image.created'];
  const kargs = [
    `root=UUID=${uuids.root}`,
    'rw',
    ...readImageKargs(rootfs),
    'console=tty0',
    'console=ttyS0,115200n8',
    ...o.recipe.kernel.append,
  ];

  const deployment = await step(ctx, `deploy ${ref} into the sysroot`, async (sc) => {
    const d = await deploy(sc, {
      rootfs,
      stage,
      ref,
      version,
      kargs,
      timestamp: created ? Math.floor(Date.parse(created) / 1000) : undefined,
      fstab: fstab(uuids.root, uuids.boot),
      hostname: o.recipe.hostname,
      updateUrl: o.updateUrl,
    });
    splitBoot(stage, bootStage);
    return d;
  });

  const boot = await step(ctx, 'install GRUB (BIOS + UEFI, blscfg menu)', async (sc) => {
    const modules = await grubModules(sc, o.cacheDir);
    installModules(modules, bootStage);
    writeFileSync(join(bootStage, 'grub/grub.cfg'), grubCfg(1));
    const core = join(work, 'core.img');
    await mkimageBios(sc, modules, core, 3);
    const early = join(work, 'early.cfg');
    writeFileSync(early, efiEarlyCfg(uuids.boot));
    const efi = join(work, 'BOOTX64.EFI');
    await mkimageEfi(sc, modules, efi, early);
    return { core, efi, bootImg: join(modules, 'i386-pc/boot.img') };
  });

  const { plan, raw } = await step(ctx, 'assemble disk', async (sc) => {
    const used = await duBytes(sc, stage);
    const bootUsed = await duBytes(sc, bootStage);
    if (bootUsed * 2.5 > DEFAULT_SIZES.bootBytes) {
      throw new UsageError(
        `/boot content (${mib(bootUsed)}) leaves no room for a second deployment`,
      );
    }
    const minimum = minimumDiskBytes(used * 2);
    const requested = o.recipe.disk.size !== undefined ? parseSize(o.recipe.disk.size) : undefined;
    if (requested !== undefined && requested < minimumDiskBytes(used * 1.2)) {
      throw new UsageError(
        `${o.recipe.file}: disk.size ${o.recipe.disk.size} is too small: the OS needs ${mib(used)}, ` +
          `use at least ${Math.ceil(minimum / 2 ** 30)}G`,
      );
    }
    const diskBytes = requested ?? Math.ceil(minimum / 2 ** 30) * 2 ** 30;
    const partitions = planPartitions({ ...DEFAULT_SIZES, diskBytes }).map((p) => ({
      ...p,
      uuid:
        p.name === 'root'
          ? uuids.root
          : p.name === 'boot'
            ? uuids.boot
            : p.name === 'esp'
              ? `${espVolumeId.slice(0, 4)}-${espVolumeId.slice(4)}`
              : undefined,
    }));
    const raw = join(work, `${o.recipe.name}.raw`);
    await assembleDisk(sc, {
      disk: raw,
      diskBytes,
      diskGuid: uuids.disk,
      partitions,
      rootStage: stage,
      bootStage,
      espFiles: { 'EFI/BOOT/BOOTX64.EFI': boot.efi },
      biosBootImg: boot.bootImg,
      biosCoreImg: boot.core,
      work,
    });
    const plan: BuildPlan = {
      recipe: o.recipe.file,
      image: {
        ref: `${o.image.transport}:${o.image.path}`,
        manifestDigest: image.manifestDigest,
        labels: image.labels,
      },
      disk: { bytes: diskBytes, guid: uuids.disk, partitions },
      bootloader: {
        bios: 'GRUB 2.14 i386-pc (core.img in BIOS-boot partition)',
        uefi: 'GRUB 2.14 x86_64-efi (\\EFI\\BOOT\\BOOTX64.EFI)',
        menu: 'blscfg (ostree BLS entries on /boot)',
      },
      deployment: { os: 'debian', ref, commit: deployment.commit, version, kargs },
      hostname: o.recipe.hostname,
      update: o.updateUrl
        ? { remote: UPDATE_REMOTE, url: o.updateUrl, refspec: `${UPDATE_REMOTE}:${ref}` }
        : undefined,
      outputs: [],
    };
    return { plan, raw };
  });

  await step(ctx, `write ${o.types.join(', ')}`, async (sc) => {
    mkdirSync(o.outputDir, { recursive: true });
    const staged: { type: ImageType; tmp: string; file: string }[] = [];
    for (const type of o.types) {
      const file = join(o.outputDir, `${o.recipe.name}.${type}`);
      const tmp = join(work, `out.${type}`);
      await run(sc, convertArgv(type, raw, tmp, o.formats));
      staged.push({ type, tmp, file });
    }
    for (const s of staged) {
      publish(s.tmp, s.file);
      plan.outputs.push({ type: s.type, file: s.file, bytes: statSync(s.file).blocks * 512 });
    }
    const planFile = join(o.outputDir, `${o.recipe.name}.plan.json`);
    writeFileSync(`${planFile}.tmp`, `${JSON.stringify(plan, null, 2)}\n`);
    publish(`${planFile}.tmp`, planFile);
  });
  return plan;
}

async function duBytes(sc: Parameters<typeof run>[0], dir: string): Promise<number> {
  if (!existsSync(dir)) return 0;
  const r = await run(sc, ['du', '--summarize', '--block-size=1', dir]);
  return Number.parseInt(r.stdout.split(/\s/)[0] ?? '0', 10);
}

function mib(b: number): string {
  return `${Math.round(b / 2 ** 20)} MiB`;
}

function validRef(s: string | undefined): string | undefined {
  return s && /^[A-Za-z0-9_][A-Za-z0-9_.-]*(\/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$/.test(s)
    ? s
    : undefined;
}
