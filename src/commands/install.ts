import type { Command } from 'commander';
import { type GlobalFlags, printJson, runCommand } from '../cli/runtime.ts';
import { UsageError } from '../core/errors.ts';
import { requireTools } from '../core/host-tools.ts';
import { absoluteImageRef, parseImageRef } from '../core/image-ref.ts';
import { loadRecipe } from '../recipe/load.ts';
import { type InstallOptions, installToDisk, planInstallToDisk } from '../workflows/install.ts';
import { installFromMedium } from '../workflows/install-medium.ts';
import { formatInstallPlan } from '../workflows/install-plan.ts';
import { cacheDirs, DEFAULT_RECIPE } from './flags.ts';

export function registerInstall(install: Command, setExit: (code: number) => void): void {
  const toDisk = install
    .command('to-disk')
    .description(
      'install a bootc image onto a block device or a disk image file, the root filesystem spanning all of it',
    );
  toDisk
    .argument('<device>', 'block device (/dev/sdX) or an existing disk image file')
    .requiredOption(
      '--image <image>',
      'the bootc image: oci-archive:FILE, oci:DIR[:TAG] or docker://HOST/REPO[:TAG]',
    )
    .option(
      '--recipe <file>',
      'image recipe (its disk.size is ignored: the target decides)',
      DEFAULT_RECIPE,
    )
    .option('--wipe', 'overwrite the partition table and filesystems found on the target')
    .option(
      '--target-imgref <image>',
      'the bootc image the installed system follows (particle-os upgrade): HOST/PATH:TAG, oci:/PATH[:TAG] or oci-archive:/PATH',
    )
    .option('--cachedir <dir>', 'cache for bootloader files (default: ~/.cache/particle-os)')
    .option('--workdir <dir>', 'where temporary files go (default: the system temp dir)')
    .option('--dry-run', 'inspect the target and print the plan; write nothing')
    .option('--json', 'print the plan (--dry-run) or the result as JSON')
    .addHelpText(
      'after',
      [
        '',
        'Refused, with nothing written: a target that is mounted, swap or otherwise in use (also',
        'through a partition), a partition, one smaller than the image needs, and one that holds a',
        'partition table or filesystem unless --wipe is given. A disk image file also gets the build',
        'plan next to it (NAME.plan.json), which boot-test and run read.',
        '',
        'Examples:',
        '  particle-os install to-disk /dev/sdX --image oci-archive:build/debian-minimal.ociarchive --recipe recipes/minimal.yml --wipe',
        '  truncate -s 20G disk.raw && particle-os install to-disk disk.raw --image oci-archive:build/debian-minimal.ociarchive',
      ].join('\n'),
    )
    .action(
      async (
        device: string,
        o: {
          image: string;
          recipe: string;
          wipe?: boolean;
          targetImgref?: string;
          cachedir?: string;
          workdir?: string;
          dryRun?: boolean;
          json?: boolean;
        },
      ) => {
        setExit(
          await runCommand('install', toDisk.optsWithGlobals<GlobalFlags>(), async (ctx) => {
            const options: InstallOptions = {
              target: device,
              image: absoluteImageRef(parseImageRef(o.image)),
              recipe: loadRecipe(o.recipe),
              wipe: !!o.wipe,
              cacheDir: cacheDirs(o.cachedir).root,
              workBase: o.workdir,
              targetImgref: o.targetImgref,
            };
            requireTools(['build', 'install']);
            if (o.dryRun) {
              const plan = await planInstallToDisk(ctx, options);
              if (o.json) printJson(plan);
              else process.stdout.write(formatInstallPlan(plan, true));
              if (plan.refusal) throw new UsageError(plan.refusal);
              return 0;
            }
            const r = await installToDisk(ctx, options);
            if (o.json) printJson(r);
            else {
              process.stdout.write(
                `installed ${r.plan.image} onto ${r.plan.target.path} (${(r.plan.diskBytes / 2 ** 30).toFixed(1)} GiB) in ${r.seconds.toFixed(1)}s\n`,
              );
              if (r.planFile) process.stdout.write(`build plan: ${r.planFile}\n`);
            }
            return 0;
          }),
        );
      },
    );

  const fromMedium = install
    .command('from-medium')
    .description(
      'install the bootc image an installer ISO carries onto the disk its recipe names (what the ISO runs at boot)',
    );
  fromMedium
    .argument('<dir>', 'where the medium is mounted (the live system: /run/initramfs/live)')
    .option('--cachedir <dir>', 'cache for bootloader files (default: ~/.cache/particle-os)')
    .option('--workdir <dir>', 'where temporary files go (default: the system temp dir)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      [
        '',
        'Reads DIR/particle-os/install.json (written by build --type iso): the payload, the recipe',
        "and the smallest disk it fits. The recipe's installer.device picks the disk (auto: the first",
        'writable, unmounted disk large enough), installer.wipe allows overwriting one that holds',
        'partitions. The installer ISO runs this once at boot, then powers off.',
      ].join('\n'),
    )
    .action(async (dir: string, o: { cachedir?: string; workdir?: string; json?: boolean }) => {
      setExit(
        await runCommand('install', fromMedium.optsWithGlobals<GlobalFlags>(), async (ctx) => {
          requireTools(['build', 'install']);
          const r = await installFromMedium(ctx, {
            medium: dir,
            cacheDir: cacheDirs(o.cachedir).root,
            workBase: o.workdir,
          });
          if (o.json) printJson(r);
          else
            process.stdout.write(
              `installed ${r.plan.image} onto ${r.device} (${(r.plan.diskBytes / 2 ** 30).toFixed(1)} GiB) in ${r.seconds.toFixed(1)}s\n`,
            );
          return 0;
        }),
      );
    });
}
