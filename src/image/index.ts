/**
 * `build` (the seed's `particle-os build --base-image IMAGE RECIPE`): a bootc image → a disk
 * that boots under BIOS and UEFI, in the requested formats, plus the build plan as JSON.
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Context,
  type StepContext,
  type StepTiming,
  step,
  stopwatch,
} from '../core/context.ts';
import { UsageError } from '../core/errors.ts';
import { formatImageRef, type ImageRef } from '../core/image-ref.ts';
import { run } from '../core/run.ts';
import { Tree } from '../core/tree.ts';
import { makeWorkDir, publish } from '../core/workdir.ts';
import { openImage, unpackLayers } from '../oci/read.ts';
import { readImageKargs } from '../ostree/kargs.ts';
import { isValidRef } from '../ostree/repo.ts';
import type { Recipe } from '../recipe/schema.ts';
import { DEFAULT_SIZES } from '../recipe/schema.ts';
import { isCryptHash } from './accounts.ts';
import { assembleDisk } from './assemble.ts';
import { type CustomizeResult, customizeDeployment } from './customize.ts';
import { diskLayout, newDiskIds } from './disk-size.ts';
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
import type { PartitionPlan } from './partitions.ts';
import { deploy, fstab, OS_NAME, splitBoot, UPDATE_REMOTE } from './sysroot.ts';

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
  /** Only print the plan: nothing is unpacked or written. */
  dryRun?: boolean;
}

/** Rough uncompressed/compressed ratio of an OS layer, for --dry-run sizing. */
const LAYER_EXPANSION = 2.6;

export interface BuildPlan {
  recipe: string;
  image: { ref: string; manifestDigest: string; labels: Record<string, string> };
  disk: { bytes: number; guid: string; partitions: PartitionPlan[] };
  bootloader: { bios: string; uefi: string; menu: string };
  deployment: { os: string; ref: string; commit: string; version?: string; kargs: string[] };
  update?: { remote: string; url: string; refspec: string };
  hostname?: string;
  users: CustomizeResult['users'];
  timezone?: string;
  locale?: string;
  outputs: { type: ImageType; file: string; bytes: number; seconds?: number }[];
  /** Wall time of each build step (a real build only). */
  steps?: StepTiming[];
  /** Set by --dry-run: sizes are estimates and nothing was written. */
  estimated?: boolean;
}

export async function buildImage(ctx: Context, o: BuildOptions): Promise<BuildPlan> {
  if (o.types.length === 0) throw new UsageError('no output type given');
  const work = makeWorkDir(ctx, 'particle-os-build', o.workBase);
  const steps: StepTiming[] = [];
  const timed = <T>(name: string, fn: (sc: StepContext) => Promise<T>) =>
    step(ctx, name, fn, steps);
  const rootfs = join(work, 'rootfs');
  const stage = join(work, 'sysroot');
  const bootStage = join(work, 'boot');

  const source = o.image;
  const image = await timed(`read ${formatImageRef(source)}`, async (sc) => {
    if (source.transport !== 'ostree') return openImage(sc, source, work);
    const info = await readOstreeSource(sc, source.path, source.ref);
    return {
      manifestDigest: info.commit,
      labels: info.labels,
      commit: info.commit,
      bytes: info.bytes,
      layers: [],
    };
  });

  const ids = newDiskIds();
  const updateUrl = o.updateUrl ?? o.recipe.update?.url;
  const ref = refLabel(image.labels['org.opencontainers.image.title']) ?? 'particle-os/image';
  const version = image.labels['org.opencontainers.image.version'];
  const created = image.labels['org.opencontainers.image.created'];
  const kargsWith = (imageKargs: string[]) => [
    `root=UUID=${ids.root}`,
    'rw',
    ...imageKargs,
    'console=tty0',
    'console=ttyS0,115200n8',
    ...o.recipe.kernel.append,
  ];
  const planFor = (p: Pick<BuildPlan, 'disk' | 'deployment' | 'users'>): BuildPlan => ({
    recipe: o.recipe.file,
    image: {
      ref: formatImageRef(source),
      manifestDigest: image.manifestDigest,
      labels: image.labels,
    },
    disk: p.disk,
    bootloader: {
      bios: 'GRUB 2.14 i386-pc (core.img in BIOS-boot partition)',
      uefi: 'GRUB 2.14 x86_64-efi (\\EFI\\BOOT\\BOOTX64.EFI)',
      menu: 'blscfg (ostree BLS entries on /boot)',
    },
    deployment: p.deployment,
    hostname: o.recipe.hostname,
    users: p.users,
    timezone: o.recipe.timezone,
    locale: o.recipe.locale,
    update: updateUrl
      ? { remote: UPDATE_REMOTE, url: updateUrl, refspec: `${UPDATE_REMOTE}:${ref}` }
      : undefined,
    outputs: o.types.map((type) => ({
      type,
      file: join(o.outputDir, `${o.recipe.name}.${type}`),
      bytes: 0,
    })),
  });

  if (o.dryRun) {
    // Nothing unpacked, nothing written: sizes come from the compressed layers.
    const estimate =
      'bytes' in image
        ? image.bytes
        : image.layers.reduce((n, l) => n + l.size, 0) * LAYER_EXPANSION;
    const { diskBytes, partitions } = diskLayout(estimate, o.recipe, ids);
    return {
      ...planFor({
        disk: { bytes: diskBytes, guid: ids.disk, partitions },
        deployment: {
          os: OS_NAME,
          ref,
          commit: '(made at build time)',
          version,
          kargs: kargsWith(['(kargs.d of the image)']),
        },
        users: o.recipe.users.map((u) => ({
          name: u.name,
          uid: -1,
          groups: [...u.groups, ...(u.admin ? ['sudo'] : [])],
          sshKeys: u['ssh-keys'].length,
          password:
            u.password === undefined
              ? 'none'
              : isCryptHash(u.password)
                ? 'hash'
                : 'hashed-at-build',
        })),
      }),
      estimated: true,
    };
  }

  const content = await timed('prepare the OS tree', async (sc) => {
    if ('commit' in image) {
      return {
        content: { repo: source.path, commit: image.commit },
        imageKargs: await readCommitKargs(sc, source.path, image.commit),
      };
    }
    await unpackLayers(sc, image, rootfs);
    return { content: { rootfs }, imageKargs: readImageKargs(new Tree(rootfs)) };
  });
  const kargs = kargsWith(content.imageKargs);

  const deployment = await timed(`deploy ${ref} into the sysroot`, async (sc) => {
    const d = await deploy(sc, {
      content: content.content,
      stage,
      ref,
      version,
      kargs,
      timestamp: created ? Math.floor(Date.parse(created) / 1000) : undefined,
      fstab: fstab(ids.root, ids.boot, o.recipe.disk.rootfs),
      updateUrl,
    });
    const custom = await customizeDeployment(sc, d.dir, d.stateVar, o.recipe);
    splitBoot(stage, bootStage);
    return { ...d, users: custom.users };
  });

  const boot = await timed('install GRUB (BIOS + UEFI, blscfg menu)', async (sc) => {
    const modules = await grubModules(sc, o.cacheDir);
    installModules(modules, bootStage);
    writeFileSync(join(bootStage, 'grub/grub.cfg'), grubCfg(1));
    const core = join(work, 'core.img');
    await mkimageBios(sc, modules, core, 3);
    const early = join(work, 'early.cfg');
    writeFileSync(early, efiEarlyCfg(ids.boot));
    const efi = join(work, 'BOOTX64.EFI');
    await mkimageEfi(sc, modules, efi, early);
    return { core, efi, bootImg: join(modules, 'i386-pc/boot.img') };
  });

  const { plan, raw } = await timed('assemble disk', async (sc) => {
    const bootUsed = await duBytes(sc, bootStage);
    if (bootUsed * 2.5 > DEFAULT_SIZES.bootBytes) {
      throw new UsageError(
        `/boot content (${Math.round(bootUsed / 2 ** 20)} MiB) leaves no room for a second deployment`,
      );
    }
    const { diskBytes, partitions } = diskLayout(await duBytes(sc, stage), o.recipe, ids);
    const rootFs = o.recipe.disk.rootfs;
    const fsTools = rootFs === 'ext4' ? undefined : await fetchFsTools(sc, o.cacheDir);
    const raw = join(work, `${o.recipe.name}.raw`);
    await assembleDisk(sc, {
      disk: raw,
      diskBytes,
      diskGuid: ids.disk,
      partitions,
      rootStage: stage,
      bootStage,
      espFiles: { 'EFI/BOOT/BOOTX64.EFI': boot.efi },
      biosBootImg: boot.bootImg,
      biosCoreImg: boot.core,
      work,
      fsTools,
      kernelVersion: deployment.kernelVersion,
    });
    const plan = planFor({
      disk: { bytes: diskBytes, guid: ids.disk, partitions },
      deployment: { os: OS_NAME, ref, commit: deployment.commit, version, kargs },
      users: deployment.users,
    });
    plan.outputs = [];
    return { plan, raw };
  });

  await timed(`write ${o.types.join(', ')}`, async (sc) => {
    mkdirSync(o.outputDir, { recursive: true });
    const staged: { type: ImageType; tmp: string; file: string; seconds: number }[] = [];
    for (const type of o.types) {
      const file = join(o.outputDir, `${o.recipe.name}.${type}`);
      const tmp = join(work, `out.${type}`);
      const elapsed = stopwatch();
      await run(sc, convertArgv(type, raw, tmp, o.formats));
      staged.push({ type, tmp, file, seconds: elapsed() });
    }
    for (const s of staged) {
      publish(s.tmp, s.file);
      const bytes = statSync(s.file).blocks * 512;
      plan.outputs.push({ type: s.type, file: s.file, bytes, seconds: s.seconds });
    }
    plan.steps = steps;
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

function refLabel(s: string | undefined): string | undefined {
  return s && isValidRef(s) ? s : undefined;
}
