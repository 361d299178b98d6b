import { resolve } from 'node:path';
import type { Command } from 'commander';
import { type GlobalFlags, printJson, runCommand } from '../cli/runtime.ts';
import { requireTools } from '../core/host-tools.ts';
import { runPipeline } from '../workflows/pipeline.ts';
import {
  type BuildAndBootFlags,
  bootStages,
  buildAndBootInputs,
  buildAndBootOptions,
  formatBootTest,
  logFlags,
  parseFirmware,
  parseTypes,
} from './flags.ts';

export function registerPipeline(cmd: Command, setExit: (code: number) => void): void {
  cmd.argument('<treefile>', 'treefile (YAML)');
  buildAndBootOptions(cmd, 'boot test timeout')
    .option('--type <types>', 'disk image types', 'qcow2')
    .option('--output <dir>', 'output directory (repo, OCI archive, images, logs)', 'build')
    .option(
      '--firmware <list>',
      'firmwares to boot-test: bios, uefi or both (comma-separated)',
      'bios',
    )
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  particle-os pipeline treefiles/debian-minimal.yaml --type qcow2,raw --firmware bios,uefi',
    )
    .action(
      async (
        treefilePath: string,
        o: BuildAndBootFlags & { type: string; output: string; firmware: string; json?: boolean },
      ) => {
        const outputDir = resolve(o.output);
        const flags = logFlags(cmd.optsWithGlobals<GlobalFlags>(), outputDir);
        setExit(
          await runCommand('pipeline', flags, async (ctx) => {
            const inputs = buildAndBootInputs(treefilePath, o);
            const types = parseTypes(o.type);
            const firmwares = o.firmware.split(',').map((f) => parseFirmware(f.trim()));
            requireTools(['compose', 'container', 'build', ...bootStages(firmwares)]);
            const r = await runPipeline(ctx, { ...inputs, types, outputDir, firmwares });
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
