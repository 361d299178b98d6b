import { resolve } from 'node:path';
import type { Command } from 'commander';
import { type GlobalFlags, printJson, runCommand } from '../cli/runtime.ts';
import { UsageError } from '../core/errors.ts';
import { absoluteImageRef, type ImageRef, parseImageRef } from '../core/image-ref.ts';
import { formatPlan } from '../image/format-plan.ts';
import { IMAGE_TYPES } from '../image/index.ts';
import { loadRecipe } from '../recipe/load.ts';
import { type Recipe, ROOT_FILESYSTEMS, type RootFilesystem } from '../recipe/schema.ts';
import { buildAll } from '../workflows/build.ts';
import { cacheDirs, parseBuildTypes } from './flags.ts';

export function registerBuild(cmd: Command, setExit: (code: number) => void): void {
  cmd
    .argument('<recipe>', 'image recipe (YAML)')
    .option('--base-image <image>', 'oci-archive:FILE, oci:DIR[:TAG] or docker://HOST/REPO[:TAG]')
    .option(
      '--repo <dir>',
      'instead of an image: an OSTree repo (with --ref); the commit is deployed as it is',
    )
    .option('--ref <ref>', 'the ref or commit in --repo to deploy')
    .option(
      '--type <types>',
      `comma-separated output types: ${IMAGE_TYPES.join(', ')}, iso (installer)`,
      'qcow2',
    )
    .option('--output <dir>', 'directory for the images and the plan', 'output')
    .option('--cachedir <dir>', 'cache for bootloader files (default: ~/.cache/particle-os)')
    .option('--workdir <dir>', 'where temporary files go (default: the system temp dir)')
    .option(
      '--update-url <url>',
      'archive repo the installed system upgrades from (ostree remote in its origin)',
    )
    .option(
      '--target-imgref <image>',
      'the bootc image the installed system follows (particle-os upgrade): HOST/PATH:TAG, oci:/PATH[:TAG] or oci-archive:/PATH',
    )
    .option(
      '--dry-run',
      'print the plan (partitions, bootloader, kargs, users, groups, directories, files, services, outputs); write nothing',
    )
    .option(
      '--vmdk-subformat <name>',
      'vmdk subformat: monolithicSparse or streamOptimized (for OVA import)',
    )
    .option('--qcow2-compress', 'compress the qcow2 (smaller, slower to write)')
    .option(
      '--rootfs <fs>',
      `root filesystem: ${ROOT_FILESYSTEMS.join(', ')} (default: the recipe's disk.rootfs, else ext4)`,
    )
    .option('--json', 'print the build plan as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  particle-os build --base-image oci-archive:build/minimal.ociarchive --type qcow2,raw recipes/minimal.yml',
    )
    .action(
      async (
        recipePath: string,
        o: {
          baseImage?: string;
          repo?: string;
          ref?: string;
          type: string;
          output: string;
          cachedir?: string;
          workdir?: string;
          updateUrl?: string;
          targetImgref?: string;
          vmdkSubformat?: string;
          qcow2Compress?: boolean;
          rootfs?: string;
          dryRun?: boolean;
          json?: boolean;
        },
      ) => {
        setExit(
          await runCommand('build', cmd.optsWithGlobals<GlobalFlags>(), async (ctx) => {
            const recipe = withRootfs(loadRecipe(recipePath), o.rootfs);
            const image = sourceFromFlags(o);
            const { disks, iso } = parseBuildTypes(o.type);
            const cache = cacheDirs(o.cachedir);
            const r = await buildAll(ctx, {
              image,
              recipe,
              disks,
              iso,
              outputDir: resolve(o.output),
              cacheDir: cache.root,
              debCacheDir: cache.debs,
              workBase: o.workdir,
              updateUrl: o.updateUrl,
              targetImgref: o.targetImgref,
              dryRun: !!o.dryRun,
              formats: {
                vmdkSubformat: parseVmdkSubformat(o.vmdkSubformat),
                qcow2Compress: !!o.qcow2Compress,
              },
            });
            // --json: the disks' plan as before; with an ISO, {disks?, iso}.
            if (o.json) printJson(r.iso ? r : r.disks);
            else if (o.dryRun && r.disks) process.stdout.write(formatPlan(r.disks));
            else
              for (const f of [...(r.disks?.outputs ?? []).map((x) => x.file), r.iso?.file])
                if (f) process.stdout.write(`${f}\n`);
            return 0;
          }),
        );
      },
    );
}

/** `--rootfs` (bootc-image-builder's flag) wins over the recipe. */
function withRootfs(recipe: Recipe, fs: string | undefined): Recipe {
  if (fs === undefined) return recipe;
  if (!(ROOT_FILESYSTEMS as readonly string[]).includes(fs))
    throw new UsageError(`--rootfs must be one of ${ROOT_FILESYSTEMS.join(', ')}, not ${fs}`);
  return { ...recipe, disk: { ...recipe.disk, rootfs: fs as RootFilesystem } };
}

function parseVmdkSubformat(
  v: string | undefined,
): 'monolithicSparse' | 'streamOptimized' | undefined {
  if (v === undefined || v === 'monolithicSparse' || v === 'streamOptimized') return v;
  throw new UsageError(`--vmdk-subformat must be monolithicSparse or streamOptimized, not ${v}`);
}

function sourceFromFlags(o: { baseImage?: string; repo?: string; ref?: string }): ImageRef {
  if (o.baseImage && (o.repo || o.ref))
    throw new UsageError('give either --base-image or --repo with --ref, not both');
  if (o.baseImage) return absoluteImageRef(parseImageRef(o.baseImage));
  if (o.repo && o.ref) return { transport: 'ostree', path: resolve(o.repo), ref: o.ref };
  throw new UsageError('missing input: --base-image IMAGE, or --repo DIR --ref REF');
}
