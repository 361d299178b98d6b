import { resolve } from 'node:path';
import type { Command } from 'commander';
import { printJson, runCommand } from '../cli/runtime.ts';
import { requireTools } from '../core/host-tools.ts';
import { loadRecipe } from '../recipe/load.ts';
import { loadTreefile } from '../treefile/load.ts';
import { runPipeline } from '../workflows/pipeline.ts';
import {
  bootStages,
  cacheDirs,
  DEFAULT_RECIPE,
  formatBootTest,
  logFlags,
  parseFirmware,
  parseTimeout,
  parseTypes,
} from './flags.ts';

export function registerPipeline(program: Command, setExit: (code: number) => void): void {
  program
    .command('pipeline')
    .description('compose → container → disk image → boot test, all in one output directory')
    .argument('<treefile>', 'treefile (YAML)')
    .option('--recipe <file>', 'image recipe', DEFAULT_RECIPE)
    .option('--type <types>', 'disk image types', 'qcow2')
    .option('--output <dir>', 'output directory (repo, OCI archive, images, logs)', 'build')
    .option(
      '--firmware <list>',
      'firmwares to boot-test: bios, uefi or both (comma-separated)',
      'bios',
    )
    .option('--timeout <seconds>', 'boot test timeout', '300')
    .option('--cachedir <dir>', 'cache directory (default: ~/.cache/particle-os)')
    .option('--workdir <dir>', 'where temporary files go (default: the system temp dir)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  particle-os pipeline treefiles/debian-minimal.yaml --type qcow2,raw --firmware bios,uefi',
    )
    .action(
      async (
        treefilePath: string,
        o: {
          recipe: string;
          type: string;
          output: string;
          firmware: string;
          timeout: string;
          cachedir?: string;
          workdir?: string;
          json?: boolean;
        },
      ) => {
        const outputDir = resolve(o.output);
        const flags = logFlags(program.opts(), outputDir);
        setExit(
          await runCommand('pipeline', flags, async (ctx) => {
            const treefile = loadTreefile(treefilePath);
            const recipe = loadRecipe(o.recipe);
            const types = parseTypes(o.type);
            const firmwares = o.firmware.split(',').map((f) => parseFirmware(f.trim()));
            const timeoutSeconds = parseTimeout(o.timeout);
            requireTools(['compose', 'container', 'build', ...bootStages(firmwares)]);
            const cache = cacheDirs(o.cachedir);
            const r = await runPipeline(ctx, {
              treefile,
              recipe,
              types,
              outputDir,
              firmwares,
              timeoutSeconds,
              cacheDir: cache.root,
              debCacheDir: cache.debs,
              workBase: o.workdir,
            });
            if (o.json) printJson(r);
            else {
              const out = process.stdout;
              out.write(
                `compose    ${r.compose.seconds.toFixed(1)}s  ${r.compose.ref} ${r.compose.commit} (version ${r.compose.version})\n`,
              );
              out.write(
                `container  ${r.container.seconds.toFixed(1)}s  ${r.container.archive} ${r.container.manifestDigest}\n`,
              );
              out.write(
                `image      ${r.image.seconds.toFixed(1)}s  ${r.image.outputs.map((x) => `${x.file} (${(x.bytes / 2 ** 20).toFixed(0)} MiB)`).join(', ')}\n`,
              );
              for (const b of r.bootTests) out.write(formatBootTest(b));
            }
            return r.passed ? 0 : 1;
          }),
        );
      },
    );
}
